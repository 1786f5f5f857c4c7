package io.bootmedic.playbook;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The playbooks one run applies: the primary one (built-in or --playbook) first, then those
 * fetched from the collector and verified here, plus the ones that were refused and why.
 */
public record PlaybookSet(List<Playbook> playbooks, List<Refusal> refused) {
    /**
     * A playbook that was not applied.
     *
     * @param publication the collector's publication id, or null when the collector's list could not be fetched at all
     */
    public record Refusal(String publication, String reason) {
    }

    public PlaybookSet {
        if (playbooks.isEmpty()) {
            throw new IllegalArgumentException("a run needs at least one playbook");
        }
        playbooks = List.copyOf(playbooks);
        refused = List.copyOf(refused);
    }

    public static PlaybookSet of(Playbook primary) {
        return new PlaybookSet(List.of(primary), List.of());
    }

    public Playbook primary() {
        return playbooks.get(0);
    }

    /**
     * This set with more playbooks and refusals. A playbook whose id is already in the set is not
     * applied twice (its rules would find the same files): it is listed as refused instead.
     */
    public PlaybookSet plus(List<Playbook> more, List<Refusal> moreRefused) {
        List<Playbook> all = new ArrayList<>(playbooks);
        List<Refusal> no = new ArrayList<>(refused);
        Set<String> ids = new HashSet<>();
        playbooks.forEach(p -> ids.add(p.id()));
        for (Playbook p : more) {
            if (ids.add(p.id())) {
                all.add(p);
            } else {
                no.add(new Refusal(p.publication(), "playbook " + p.id() + " (version " + p.version() + ") is already applied in this run"));
            }
        }
        no.addAll(moreRefused);
        return new PlaybookSet(all, no);
    }

    /**
     * One playbook holding every rule, for the engine. The primary playbook's rules keep their ids;
     * every other rule is named after its playbook, so each action in the report says where it came from.
     */
    public Playbook combined() {
        if (playbooks.size() == 1) {
            return primary();
        }
        List<Rule> rules = new ArrayList<>(primary().rules());
        List<RepairRule> repairs = new ArrayList<>(primary().repairs());
        for (Playbook p : playbooks.subList(1, playbooks.size())) {
            for (RepairRule r : p.repairs()) {
                repairs.add(r.withId((r.id().startsWith(p.id() + "#") ? r.id() : p.id() + "/" + r.id()) + "@" + p.version()));
            }
            for (Rule r : p.rules()) {
                String id = r.id().startsWith(p.id() + "#") ? r.id() : p.id() + "/" + r.id();
                rules.add(new Rule(id + "@" + p.version(), r.directory(), r.glob(), r.header(), r.modifiedBefore(), r.modifiedAfter(), r.action()));
            }
        }
        Playbook first = primary();
        return new Playbook(first.id(), first.title(), first.version(), List.copyOf(rules), List.copyOf(repairs), first.source(), first.publication(),
                first.signedBy());
    }
}
