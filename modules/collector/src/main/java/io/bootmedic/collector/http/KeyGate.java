package io.bootmedic.collector.http;

import io.bootmedic.collector.Tokens;
import io.bootmedic.collector.store.PlaybookScope;
import io.bootmedic.collector.store.PlaybookStore;
import io.bootmedic.util.Json;

import java.sql.SQLException;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Whether a key may leave for this caller now (docs/self-healing.md §1): a fleet agent token
 * always; an enrolment token never; a machine's own token only for its own key IDs and only while
 * an active publication's scope includes that machine, and the release names that publication.
 */
final class KeyGate {
    /** The decision; a refusal is counted in the audit log under {@code auditAction}. */
    sealed interface Decision permits Allow, Refuse {
    }

    /** {@code reason}: why this release is allowed, for its audit row (null for a fleet agent token: the token is the reason). */
    record Allow(String reason) implements Decision {
    }

    record Refuse(String auditAction, String auditDetail, String metric, String message) implements Decision {
    }

    /** Finds the oldest active publication whose scope includes a machine (PlaybookStore's cached lookup). */
    @FunctionalInterface
    interface ActiveScopes {
        Optional<PlaybookStore.Publication> firstMatching(PlaybookScope.Asker who) throws SQLException;
    }

    private final Predicate<Tokens.Principal> enrolmentOnly;
    private final ActiveScopes scopes;

    KeyGate(Predicate<Tokens.Principal> enrolmentOnly, ActiveScopes scopes) {
        this.enrolmentOnly = enrolmentOnly;
        this.scopes = scopes;
    }

    Decision decide(Tokens.Principal who, String keyId) throws SQLException {
        Tokens.Machine m = who.machine();
        if (m == null) {
            if (enrolmentOnly.test(who)) {
                return new Refuse("key-refused-enrolment-token", "an enrolment token fetches no keys; the count is of this token's refused requests "
                        + "in this minute (key ID and address: the first's)", "enrolment_token",
                        "this is an enrolment token: it arms machines and fetches no keys. A machine armed with it (stage-winre.ps1, "
                                + "'bootmedic readiness --enrol') gets a token of its own; otherwise type the recovery password");
            }
            return new Allow(null);
        }
        if (!m.keyIds().contains(keyId)) {
            return new Refuse("key-refused-not-this-machine", "key ID not bound to machine " + m.computerName() + " (" + m.machineId()
                    + "); the count is of this token's refused requests in this minute", "not_this_machine",
                    "key ID {" + keyId + "} is not one of the BitLocker keys machine " + m.computerName() + " was armed with; "
                            + "if its disks changed, arm it again (stage-winre.ps1), or type the recovery password");
        }
        PlaybookScope.Asker asker = new PlaybookScope.Asker(m.computerName(), m.biosSerial(), m.vmId(), m.tags());
        Optional<PlaybookStore.Publication> p = scopes.firstMatching(asker);
        if (p.isEmpty()) {
            return new Refuse("key-refused-out-of-scope", "no active playbook's scope includes machine " + m.computerName() + " (" + m.machineId()
                    + "); the count is of this token's refused requests in this minute", "out_of_scope",
                    "no active playbook's scope includes machine " + m.computerName() + ", so its key is not released: publish the incident's "
                            + "playbook with a scope that includes it, or type the recovery password");
        }
        PlaybookStore.Publication pub = p.get();
        return new Allow("machine " + m.computerName() + " (" + m.machineId() + ", its own key), because publication " + pub.publication() + " ("
                + pub.playbookId() + " version " + pub.version() + ", scope " + abbreviate(Json.line(pub.scope().toJson()))
                + ") is active and includes it");
    }

    /** A machines scope may list 10,000 names: the audit row keeps the first 200 characters. */
    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
