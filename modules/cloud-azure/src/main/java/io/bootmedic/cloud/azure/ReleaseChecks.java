package io.bootmedic.cloud.azure;

import com.azure.resourcemanager.compute.fluent.models.VirtualMachineRunCommandInner;
import com.azure.resourcemanager.compute.models.VirtualMachineRunCommandInstanceView;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.cloud.provider.Model.CommandInfo;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * "Does anything on the worker hold this LUN?", asked the only way Azure allows: a run command of worker-fix.sh
 * {@code --release} on the worker. Each question is a new check, started after it was asked (so a "free" answer is never
 * older than the question), and answered once: until it has ended the device counts as held. One call per question
 * step: start it, then read it.
 */
final class ReleaseChecks {
    private final RunCommands commands;
    private final WorkerScript script;
    private final LongSupplier nonce;
    private final Map<String, String> inFlight = new ConcurrentHashMap<>();

    ReleaseChecks(RunCommands commands, WorkerScript script, LongSupplier nonce) {
        this.commands = commands;
        this.script = script;
        this.nonce = nonce;
    }

    static String name(int lun) {
        return "bootmedic-release-lun" + lun;
    }

    boolean held(WorkerVm w, int lun) {
        String key = w.id() + "#" + lun;
        String name = name(lun);
        if (!inFlight.containsKey(key)) {
            inFlight.put(key, name); // before the call: an answer lost on the way is read next time, not started twice
            try {
                commands.start(w, name, script.release(lun, nonce.getAsLong()));
            } catch (CloudException e) {
                // not started, or not known to be: start a fresh check next time (a 409 means an older check still runs,
                // whose answer may predate this question, so it is never read)
                inFlight.remove(key);
                throw e;
            }
            return true;
        }
        VirtualMachineRunCommandInner rc;
        try {
            rc = commands.get(w, name);
        } catch (CloudException e) {
            if (e.kind() == Kind.NOT_FOUND) {
                inFlight.remove(key); // never started: ask again
                return true;
            }
            throw e;
        }
        VirtualMachineRunCommandInstanceView iv = rc.instanceView();
        CommandInfo c = RunCommands.info(name, iv);
        if (!c.state().terminal()) {
            return true;
        }
        inFlight.remove(key);
        return !WorkerScript.released(iv == null ? null : iv.output());
    }
}
