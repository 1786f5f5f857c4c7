package io.bootmedic.cloud.engine;

import io.bootmedic.cloud.provider.Model.Encryption;
import io.bootmedic.cloud.provider.Model.Group;
import io.bootmedic.cloud.provider.Model.Os;
import io.bootmedic.cloud.provider.Model.Power;
import io.bootmedic.cloud.provider.Model.Scan;
import io.bootmedic.cloud.provider.Model.VmInfo;

/**
 * Invariant 6: what must be true before a VM is stopped. Each refusal leaves the VM exactly as it was; the reason is
 * recorded. The scan comes last, so a VM bootmedic has nothing to fix on is never stopped.
 */
final class Checks {
    private Checks() {
    }

    /** Why the VM must not be touched, or null when it may be. */
    static String refusal(VmInfo vm, Naming naming, String uid, java.util.List<EngineConfig.Worker> workers) {
        if (vm.unsupported() != null) {
            return vm.unsupported(); // the cloud's own reason is the most precise one
        }
        if (vm.os() != Os.WINDOWS) {
            return "not Windows (" + vm.os().name().toLowerCase(java.util.Locale.ROOT) + "): never touched";
        }
        if (vm.group() != Group.NONE) {
            return "a member of a " + vm.group().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + ", which would replace it when stopped: repair it through the group";
        }
        if (vm.encryption() == Encryption.GUEST_DUAL_PASS || vm.encryption() == Encryption.CONFIDENTIAL) {
            return "its disk encryption (" + vm.encryption() + ") cannot be read on a worker";
        }
        if (vm.localSsd()) {
            return "it has Local SSD, whose data a stop discards";
        }
        if (vm.bootDiskId() == null) {
            return "it has no boot disk";
        }
        if (workers.stream().noneMatch(w -> w.serves(vm.zone()))) {
            return "no worker is in its zone " + vm.zone() + " (a disk attaches only there): run again with a worker in " + vm.zone();
        }
        if (vm.power() != Power.RUNNING && vm.power() != Power.STOPPED) {
            return null; // changing power: the handler waits and looks again
        }
        return naming.refusal(uid);
    }

    static String scanRefusal(Scan scan) {
        return scan == Scan.CLEAN ? "clean: the scan found nothing to fix" : null;
    }
}
