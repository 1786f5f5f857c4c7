package io.bootmedic.cloud.azure;

import com.azure.core.util.Context;
import com.azure.resourcemanager.compute.fluent.VirtualMachineRunCommandsClient;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineRunCommandInner;
import com.azure.resourcemanager.compute.models.ExecutionState;
import com.azure.resourcemanager.compute.models.VirtualMachineRunCommandInstanceView;
import com.azure.resourcemanager.compute.models.VirtualMachineRunCommandScriptSource;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.cloud.provider.Model.CommandInfo;
import io.bootmedic.cloud.provider.Model.CommandState;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fix on the worker as a managed run command (Microsoft.Compute/virtualMachines/runCommands), one per VM and
 * attempt, named by the engine: a resumed run finds it by that name and looks at it instead of starting another. The
 * body carries only members every api-version since 2022-08-01 has (no treatFailureAsDeploymentFailure).
 */
final class RunCommands {
    private final VirtualMachineRunCommandsClient client;
    private final WorkerScript script;
    private final int timeoutSeconds;
    /** Fix commands whose writer was seen to exit, deleted since: a VM keeps at most 25 managed run commands. */
    private final Map<String, CommandInfo> finished = new ConcurrentHashMap<>();

    RunCommands(VirtualMachineRunCommandsClient client, WorkerScript script, int timeoutSeconds) {
        this.client = client;
        this.script = script;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Starts {@code body} as run command {@code name}; returns once ARM accepted it (asyncExecution: the script runs on). */
    void start(WorkerVm w, String name, String body) {
        VirtualMachineRunCommandInner rc = new VirtualMachineRunCommandInner().withLocation(w.location())
                .withSource(new VirtualMachineRunCommandScriptSource().withScript(body)).withAsyncExecution(true).withTimeoutInSeconds(timeoutSeconds);
        ArmErrors.run("starting run command " + name + " on " + w.name(), () -> client.beginCreateOrUpdate(w.group(), w.name(), name, rc));
    }

    String startFix(WorkerVm w, int lun, long expectSize, String bekSecretUrl, String name) {
        start(w, name, script.fix(lun, expectSize, bekSecretUrl));
        return name;
    }

    Optional<CommandInfo> find(WorkerVm w, String name) {
        try {
            return Optional.of(describe(w, name));
        } catch (CloudException e) {
            if (e.kind() == Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * The command's state. Once its writer was seen to exit, it is deleted (Azure allows 25 managed run commands per VM,
     * and a worker serves a fleet) and later reads answer from what was seen; after a restart such a command is gone,
     * reads as cancelled, and the worker is asked whether the device is free.
     */
    CommandInfo describe(WorkerVm w, String name) {
        CommandInfo seen = finished.get(w.id() + "/" + name);
        if (seen != null) {
            return seen;
        }
        VirtualMachineRunCommandInner rc = get(w, name);
        CommandInfo c = info(name, rc.instanceView());
        if (c.writerExited()) {
            finished.put(w.id() + "/" + name, c);
            try {
                client.beginDelete(w.group(), w.name(), name);
            } catch (RuntimeException e) {
                // housekeeping only: a command left behind costs one of the worker's 25, nothing else
            }
        }
        return c;
    }

    VirtualMachineRunCommandInner get(WorkerVm w, String name) {
        return ArmErrors.call("reading run command " + name + " on " + w.name(),
                () -> client.getByVirtualMachineWithResponse(w.group(), w.name(), name, "instanceView", Context.NONE).getValue());
    }

    /**
     * Deleting a managed run command is how it is stopped; the handler may then kill only the shell, so nothing here
     * says the writer ended: the release check on the worker decides when the copy may go.
     */
    void cancel(WorkerVm w, String name) {
        ArmErrors.run("stopping run command " + name + " on " + w.name(), () -> client.beginDelete(w.group(), w.name(), name));
    }

    static CommandInfo info(String name, VirtualMachineRunCommandInstanceView iv) {
        ExecutionState s = iv == null ? null : iv.executionState();
        String out = iv == null ? null : iv.output();
        CommandState state;
        if (s == null || s.equals(ExecutionState.UNKNOWN) || s.equals(ExecutionState.RUNNING)) {
            state = s == null ? CommandState.PENDING : CommandState.IN_PROGRESS;
        } else if (s.equals(ExecutionState.PENDING)) {
            state = CommandState.PENDING;
        } else if (s.equals(ExecutionState.SUCCEEDED)) {
            state = CommandState.SUCCESS;
        } else if (s.equals(ExecutionState.FAILED)) {
            state = CommandState.FAILED;
        } else if (s.equals(ExecutionState.TIMED_OUT)) {
            state = CommandState.TIMED_OUT;
        } else if (s.equals(ExecutionState.CANCELED)) {
            state = CommandState.CANCELLED;
        } else {
            state = CommandState.IN_PROGRESS;
        }
        // the writer's exit is seen only in worker-fix.sh's last line, printed after bootmedic ended: a timed-out or
        // cancelled handler that killed the shell leaves no such line, and then the writer may still be running
        boolean exited = state.terminal() && WorkerScript.exitCode(out) != null;
        boolean changed = state == CommandState.SUCCESS && WorkerScript.changed(out);
        return new CommandInfo(name, name, state, exited, changed);
    }
}
