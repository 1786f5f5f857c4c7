package io.bootmedic.collector.client;

/**
 * A playbook as the collector served it to this agent: not yet trusted. The agent verifies the
 * signature against the keys on its own media before it applies anything
 * ({@code playbook.PublishedPlaybook.verify}).
 */
public record ServedPlaybook(String publication, byte[] playbook, byte[] signature) {
    /** At most this many active playbooks are taken from one answer. */
    public static final int MAX_PLAYBOOKS = 16;
}
