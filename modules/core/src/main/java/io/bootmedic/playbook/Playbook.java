package io.bootmedic.playbook;

import java.util.List;

/**
 * What to look for and what to do, as data: the next incident needs a new playbook, not a new agent.
 *
 * @param version     the publisher's version of it (JSON "version", string or integer; "1" when absent), so a report says which one ran
 * @param source      where it came from, for reports and messages ("built-in", a file path, "collector")
 * @param publication the collector's publication id when the collector served it, else null
 * @param signedBy    the id of the trusted key whose signature was checked, or null (built-in, unsigned)
 * @param rules       the file rules (quarantine)
 * @param repairs     the rules that repair something else: registry, boot configuration, updates (issue 25)
 */
public record Playbook(String id, String title, String version, List<Rule> rules, List<RepairRule> repairs, String source, String publication,
                       String signedBy) {
    public static final String DEFAULT_VERSION = "1";

    public Playbook(String id, String title, List<Rule> rules, String source) {
        this(id, title, DEFAULT_VERSION, rules, List.of(), source, null, null);
    }

    public Playbook(String id, String title, String version, List<Rule> rules, String source, String publication, String signedBy) {
        this(id, title, version, rules, List.of(), source, publication, signedBy);
    }

    /** The same playbook with where it came from and who signed it filled in. */
    public Playbook from(String newSource, String newPublication, String newSignedBy) {
        return new Playbook(id, title, version, rules, repairs, newSource, newPublication, newSignedBy);
    }

    /** How many rules of both kinds. */
    public int ruleCount() {
        return rules.size() + repairs.size();
    }
}
