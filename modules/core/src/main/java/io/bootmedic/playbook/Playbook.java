package io.bootmedic.playbook;

import java.util.List;

/**
 * What to look for and what to do, as data: the next incident needs a new playbook, not a new agent.
 *
 * @param source where it came from, for reports and messages ("built-in", a file path)
 */
public record Playbook(String id, String title, List<Rule> rules, String source) {
}
