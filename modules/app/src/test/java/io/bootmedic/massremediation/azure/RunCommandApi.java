package io.bootmedic.massremediation.azure;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static io.bootmedic.massremediation.azure.ComputeState.JSON;
import static io.bootmedic.massremediation.azure.ComputeState.key;

/**
 * Managed run commands, Microsoft.Compute/virtualMachines/runCommands (REST reference "Virtual
 * Machine Run Commands - Create Or Update / Get / Delete", api-version 2022-08-01): PUT with
 * asyncExecution=true provisions at once and the script runs on; GET with $expand=instanceView
 * shows executionState Pending/Running/Succeeded/Failed/TimedOut, exitCode, output and error.
 * Several run commands may run on one VM at once (Microsoft's run command overview: managed run
 * commands "allow multiple scripts"); a PUT on a run command that is still running gets 409 Conflict.
 * The script's effect and result come from the {@link WorkerSimulator}.
 */
final class RunCommandApi {
    /** run command id -> its execution; lives as long as the emulator's state. */
    static final Map<String, Execution> executions = new ConcurrentHashMap<>();

    /** One execution; with {@code untilRetried} it runs until someone tries to start it again (gets 409), then ends 1 s later. */
    static final class Execution {
        final ObjectNode resource;
        final WorkerSimulator.Outcome outcome;
        volatile long end;
        volatile boolean untilRetried;
        boolean applied;

        Execution(ObjectNode resource, WorkerSimulator.Outcome outcome, long end, boolean untilRetried) {
            this.resource = resource;
            this.outcome = outcome;
            this.end = end;
            this.untilRetried = untilRetried;
        }

        ObjectNode resource() {
            return resource;
        }

        WorkerSimulator.Outcome outcome() {
            return outcome;
        }
    }

    private final ArmEmulator emu;

    RunCommandApi(ArmEmulator emu) {
        this.emu = emu;
    }

    ArmEmulator.Reply handle(String method, String rg, String vmName, String child, String name, ObjectNode in, Map<String, String> q) {
        if (!child.equalsIgnoreCase("runCommands")) {
            throw new ArmEmulator.ArmError(404, "NotFound", child);
        }
        ObjectNode vm = emu.state.vm(rg, vmName);
        if (vm == null) {
            throw new ArmEmulator.ArmError(404, "ResourceNotFound", "virtual machine " + vmName);
        }
        String id = vm.get("id").asText() + "/runCommands/" + name;
        String k = key(emu.base + id);
        Execution ex = executions.get(k);
        switch (method) {
            case "PUT" -> {
                if (ex != null && running(ex)) {
                    if (ex.untilRetried) {
                        ex.untilRetried = false;
                        ex.end = System.currentTimeMillis() + 1000;
                    }
                    throw new ArmEmulator.ArmError(409, "Conflict", "The run command '" + name
                            + "' is still executing on VM '" + vmName + "'. Wait for it to end before updating it.");
                }
                String script = in.at("/properties/source/script").asText();
                WorkerSimulator.Outcome out = emu.worker.run(emu.state, vm, List.of(script));
                ObjectNode r = JSON.createObjectNode();
                r.put("id", id).put("name", name).put("type", "Microsoft.Compute/virtualMachines/runCommands")
                        .put("location", in.path("location").asText());
                ObjectNode p = r.putObject("properties");
                p.putObject("source").put("script", script);
                p.put("asyncExecution", in.at("/properties/asyncExecution").asBoolean(false))
                        .put("timeoutInSeconds", in.at("/properties/timeoutInSeconds").asInt(0))
                        .put("provisioningState", "Succeeded");
                long now = System.currentTimeMillis();
                executions.put(k, new Execution(r, out, now + out.millis(), emu.runCommandsRunUntilRetried));
                emu.state.runCommandsStarted.add(id);
                emu.state.runCommandScripts.add(script);
                ArmEmulator.Operation o = emu.startOperation(vm.get("location").asText(), null);
                return emu.accepted(201, r.deepCopy(), o, q.getOrDefault("api-version", "2022-08-01"), false);
            }
            case "GET" -> {
                if (ex == null) {
                    throw new ArmEmulator.ArmError(404, "ResourceNotFound", "run command " + name);
                }
                ObjectNode r = ex.resource().deepCopy();
                if (q.getOrDefault("$expand", "").equalsIgnoreCase("instanceView")) {
                    ((ObjectNode) r.get("properties")).set("instanceView", instanceView(ex));
                }
                return new ArmEmulator.Reply(200, r);
            }
            case "DELETE" -> {
                if (ex != null && running(ex)) {
                    throw new ArmEmulator.ArmError(409, "Conflict", "run command " + name + " is executing");
                }
                executions.remove(k);
                return new ArmEmulator.Reply(200, null);
            }
            default -> throw new ArmEmulator.ArmError(405, "MethodNotAllowed", method);
        }
    }

    private static boolean running(Execution ex) {
        return ex.untilRetried || System.currentTimeMillis() < ex.end;
    }

    private static synchronized ObjectNode instanceView(Execution ex) {
        ObjectNode iv = JSON.createObjectNode();
        iv.put("startTime", "2024-07-19T06:10:00+00:00");
        if (running(ex)) {
            iv.put("executionState", "Running").put("executionMessage", "");
            return iv;
        }
        if (!ex.applied) {
            ex.applied = true;
            ex.outcome().effect().run();
        }
        int code = WorkerSimulator.exitCode(ex.outcome().stdout());
        iv.put("executionState", code == 0 ? "Succeeded" : "Failed").put("executionMessage", code == 0 ? "" : "Script failed with exit code " + code)
                .put("exitCode", code).put("output", ex.outcome().stdout()).put("error", ex.outcome().stderr())
                .put("endTime", "2024-07-19T06:12:00+00:00");
        iv.putArray("statuses");
        return iv;
    }
}
