package io.bootmedic.playbook;

import io.bootmedic.fs.RelPath;

import java.util.List;

/**
 * A playbook rule that repairs something other than a file (issue 25): the registry, the boot configuration, updates.
 * Each is data the agent applies, journals and can undo; which routes can apply which kind is the agent's business
 * ({@link #needsWindows}), and a rule a route cannot apply is reported as such, never silently skipped.
 */
public sealed interface RepairRule {
    String id();

    /** The same rule under another id (a collector's playbook's rules are named after it in a combined run). */
    default RepairRule withId(String newId) {
        if (this instanceof DisableService d) {
            return new DisableService(newId, d.when(), d.service(), d.start());
        } else if (this instanceof RemoveFilter f) {
            return new RemoveFilter(newId, f.when(), f.classGuid(), f.list(), f.name());
        } else if (this instanceof SetRegistry s) {
            return new SetRegistry(newId, s.when(), s.hive(), s.key(), s.value(), s.type(), s.data());
        } else if (this instanceof SafeMode m) {
            return new SafeMode(newId, m.when(), m.mode());
        } else if (this instanceof BootStatusPolicy b) {
            return new BootStatusPolicy(newId, b.when(), b.policy());
        } else if (this instanceof RevertPendingUpdates u) {
            return new RevertPendingUpdates(newId, u.when());
        }
        RemovePackage p = (RemovePackage) this;
        return new RemovePackage(newId, p.when(), p.packageGlob());
    }

    /** The rule applies only when this holds (a driver file of a given hash, or a file present); null: always. */
    When when();

    /** Only Windows' own tools can do it (DISM): offline from Linux it is reported "needs Windows", never half-done. */
    default boolean needsWindows() {
        return false;
    }

    /**
     * {@code sha256} non-empty: the file must exist with one of these hashes; else {@code exists} says whether it must
     * exist at all.
     */
    record When(RelPath file, List<String> sha256, boolean exists) {
    }

    /** Which registry hive, under Windows/System32/config. */
    enum Hive {
        SYSTEM, SOFTWARE
    }

    /** The value types a rule may write (their numbers are Windows' REG_* constants). */
    enum ValueType {
        REG_SZ(1), REG_EXPAND_SZ(2), REG_DWORD(4), REG_MULTI_SZ(7), REG_QWORD(11);

        public final int code;

        ValueType(int code) {
            this.code = code;
        }
    }

    /** {@code Services\<service>\Start} to 4 (disabled) or 3 (manual), only where the service key exists. */
    record DisableService(String id, When when, String service, int start) implements RepairRule {
    }

    /** Removes {@code name} from a device class's UpperFilters or LowerFilters (REG_MULTI_SZ), Microsoft's fix for 0x7B. */
    record RemoveFilter(String id, When when, String classGuid, String list, String name) implements RepairRule {
    }

    /**
     * One value; {@code key} is below the hive's root, and a leading {@code CurrentControlSet} is resolved through
     * {@code Select\Current}. {@code data} is a Long (DWORD, QWORD), a String (SZ, EXPAND_SZ) or a List of String (MULTI_SZ).
     */
    record SetRegistry(String id, When when, Hive hive, String key, String value, ValueType type, Object data) implements RepairRule {
    }

    /** The {@code {default}} boot entry's safe-mode element: minimal, network, or off (removed). */
    record SafeMode(String id, When when, String mode) implements RepairRule {
    }

    /** The {@code {default}} boot entry's boot status policy (DisplayAllFailures, IgnoreAllFailures, IgnoreShutdownFailures, IgnoreBootFailures). */
    record BootStatusPolicy(String id, When when, String policy) implements RepairRule {
    }

    /** DISM /Image:X:\ /Cleanup-Image /RevertPendingActions. */
    record RevertPendingUpdates(String id, When when) implements RepairRule {
        @Override
        public boolean needsWindows() {
            return true;
        }
    }

    /** DISM /Image:X:\ /Remove-Package for each installed package whose name matches {@code packageGlob}. */
    record RemovePackage(String id, When when, String packageGlob) implements RepairRule {
        @Override
        public boolean needsWindows() {
            return true;
        }
    }
}
