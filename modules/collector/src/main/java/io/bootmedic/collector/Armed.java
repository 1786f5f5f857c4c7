package io.bootmedic.collector;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Whether a staged machine would heal itself in the next incident: the agent is inside its WinRE,
 * WinRE is on, the agent is the current one and it trusts the keys playbooks are signed with.
 * A pure function of what the machine reported, so the dashboard and the API say the same.
 */
public final class Armed {
    /** Recovery partitions with less than this cannot take the next WinRE update (KB5034441 failed with 0x80070643 there). */
    public static final long WINRE_UPDATE_BYTES = 250L << 20;

    private Armed() {
    }

    /** Why a machine is not armed, with what to do about it. */
    public enum Reason {
        NOT_STAGED("the agent is not in its WinRE: run winpe\\stage-winre.ps1 on it"),
        NO_ROOM("staging was refused: the recovery partition has too little room for the agent and WinRE's own updates; "
                + "grow it (Microsoft KB5028997), then run stage-winre.ps1 again"),
        WINRE_DISABLED("WinRE is disabled: run 'reagentc /enable' (or stage-winre.ps1 again)"),
        OLD_AGENT("it runs an older agent: run stage-winre.ps1 with the current kit"),
        NO_TRUSTED_KEYS("it trusts no playbook key, so it would refuse every published playbook: stage it with trusted-keys\\*.pub"),
        UNKNOWN_KEYS("it trusts none of the keys this collector lists in trusted-keys/: stage it with the current trusted-keys\\*.pub");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /**
     * The reasons a machine is not armed; empty when it is.
     *
     * @param knownKeys the key IDs published playbooks are signed with; empty when the collector lists none (then any key counts)
     */
    public static List<Reason> reasons(Readiness r, String currentVersion, Set<String> knownKeys) {
        List<Reason> why = new ArrayList<>();
        if (r.refusedNoRoom()) {
            why.add(Reason.NO_ROOM);
        } else if (!r.staged()) {
            why.add(Reason.NOT_STAGED);
        }
        if (r.state() != Readiness.WinReState.ENABLED) {
            why.add(Reason.WINRE_DISABLED);
        }
        if (!r.agentVersion().equals(currentVersion)) {
            why.add(Reason.OLD_AGENT);
        }
        if (r.trustedKeys().isEmpty()) {
            why.add(Reason.NO_TRUSTED_KEYS);
        } else if (!knownKeys.isEmpty() && r.trustedKeys().stream().noneMatch(knownKeys::contains)) {
            why.add(Reason.UNKNOWN_KEYS);
        }
        return why;
    }

    /**
     * A readiness older than this may no longer be true: a feature update or a reset rebuilds WinRE
     * without the hook. Shown with its age and counted apart; it does not disarm the machine.
     */
    public static final long STALE_AFTER_MILLIS = 30L * 24 * 3_600_000L;

    /** Whether a readiness the collector received at {@code receivedAt} is older than {@link #STALE_AFTER_MILLIS} at {@code now}. */
    public static boolean stale(long receivedAt, long now) {
        return now - receivedAt > STALE_AFTER_MILLIS;
    }

    /** Room for the next WinRE update; shown beside armed machines, it does not disarm them. */
    public static boolean lowOnSpace(Readiness r) {
        return r.freeBytes() < WINRE_UPDATE_BYTES;
    }
}
