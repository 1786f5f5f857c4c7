package io.bootmedic.cloud.azure.arm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static io.bootmedic.cloud.azure.arm.ArmState.JSON;
import static io.bootmedic.cloud.azure.arm.ArmState.key;

/**
 * Managed run commands (virtualMachines/{vm}/runCommands/{name}, REST "Virtual Machine Run Commands - Create Or
 * Update / Get By Virtual Machine / Delete"): PUT with asyncExecution provisions at once and the script runs on; GET
 * with $expand=instanceView shows executionState Pending/Running/Succeeded/Failed/TimedOut, exitCode, output, error; a
 * PUT on a run command still executing gets 409; DELETE removes it, and stops it by killing the handler's shell. Several
 * run commands may run on one VM at once (managed run commands "allow multiple scripts"). Only on a running VM.
 */
public final class RunCommandApi {
    private final ArmEmulator emu;
    private final Map<String, ObjectNode> resources = new ConcurrentHashMap<>();
    private final Map<String, WorkerSim.Execution> executions = new ConcurrentHashMap<>();
    private final Map<String, Long> timeoutAt = new ConcurrentHashMap<>();
    /** Test time: one second of timeoutInSeconds lasts this many milliseconds. */
    public volatile long millisPerTimeoutSecond = 1000;
    /** Managed run commands one VM may have (Azure: 25). */
    public volatile int maxPerVm = 25;
    /** Every run command body PUT, in order. */
    final List<JsonNode> puts = new java.util.concurrent.CopyOnWriteArrayList<>();

    RunCommandApi(ArmEmulator emu) {
        this.emu = emu;
    }

    void tick(long now) {
        executions.forEach((k, ex) -> emu.workers.tick(ex, now, timeoutAt.getOrDefault(k, Long.MAX_VALUE)));
        emu.workers.tickWriters(now);
    }

    ArmEmulator.Reply handle(String method, String rg, String vmName, String child, String name, JsonNode in, Map<String, String> q, String api, String path) {
        ObjectNode vm = emu.state.vm(rg, vmName);
        if (vm == null) {
            throw new ArmError(404, "ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachines/" + vmName + "' under resource group '" + rg + "' was not found.");
        }
        if (name == null) {
            List<JsonNode> all = new ArrayList<>();
            String prefix = key(vm.get("id").asText()) + "/runcommands/";
            resources.forEach((k, r) -> {
                if (k.startsWith(prefix)) {
                    all.add(view(k, r, "instanceView".equalsIgnoreCase(q.get("$expand"))));
                }
            });
            ObjectNode r = JSON.createObjectNode();
            r.putArray("value").addAll(all);
            return new ArmEmulator.Reply(200, r);
        }
        String id = vm.get("id").asText() + "/runCommands/" + name;
        String k = key(id);
        WorkerSim.Execution ex = executions.get(k);
        switch (method) {
            case "PUT" -> {
                Schemas.check("VirtualMachineRunCommand", api, in);
                puts.add(in.deepCopy());
                if (ex != null && ex.state.equals("Running")) {
                    throw new ArmError(409, "Conflict", "The run command '" + name + "' is still executing on VM '" + vmName + "'. Wait for it to end before updating it.");
                }
                String prefix = key(vm.get("id").asText()) + "/runcommands/";
                if (!resources.containsKey(k) && resources.keySet().stream().filter(x -> x.startsWith(prefix)).count() >= maxPerVm) {
                    throw new ArmError(409, "OperationNotAllowed", "VM '" + vmName + "' has reached the maximum of " + maxPerVm
                            + " run commands; delete one before creating another.");
                }
                if (!"running".equals(emu.state.power(vm))) {
                    throw new ArmError(409, "OperationNotAllowed", "Cannot run a command on VM '" + vmName + "': it is not running.");
                }
                if (!in.at("/properties/asyncExecution").asBoolean(false)) {
                    throw new ArmError(400, "InvalidParameter", "the emulator models asyncExecution run commands only");
                }
                long now = System.currentTimeMillis();
                long timeout = in.at("/properties/timeoutInSeconds").asLong(5400) * millisPerTimeoutSecond;
                WorkerSim.Execution e = emu.workers.start(vm, in.at("/properties/source/script").asText(), timeout, now);
                ObjectNode r = JSON.createObjectNode();
                r.put("id", id).put("name", name).put("type", "Microsoft.Compute/virtualMachines/runCommands").put("location", in.path("location").asText());
                ObjectNode p = r.putObject("properties");
                p.set("source", in.at("/properties/source").deepCopy());
                p.put("asyncExecution", true).put("timeoutInSeconds", in.at("/properties/timeoutInSeconds").asInt(0)).put("provisioningState", "Succeeded");
                resources.put(k, r);
                executions.put(k, e);
                timeoutAt.put(k, now + timeout);
                ArmEmulator.Operation o = emu.start(vm.get("location").asText(), path, null, null);
                return emu.accepted(201, r.deepCopy(), o, api, false);
            }
            case "GET" -> {
                ObjectNode r = resources.get(k);
                if (r == null) {
                    throw new ArmError(404, "ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachines/" + vmName + "/runCommands/" + name + "' was not found.");
                }
                return new ArmEmulator.Reply(200, view(k, r, "instanceView".equalsIgnoreCase(q.get("$expand"))));
            }
            case "DELETE" -> {
                if (ex != null) {
                    emu.workers.killShell(ex, System.currentTimeMillis());
                }
                resources.remove(k);
                executions.remove(k);
                ArmEmulator.Operation o = emu.start(vm.get("location").asText(), path, null, null);
                return emu.accepted(202, null, o, api, true);
            }
            default -> throw new ArmError(405, "MethodNotAllowed", method);
        }
    }

    private ObjectNode view(String k, ObjectNode r, boolean expand) {
        ObjectNode v = r.deepCopy();
        if (expand) {
            WorkerSim.Execution ex = executions.get(k);
            ObjectNode iv = ((ObjectNode) v.get("properties")).putObject("instanceView");
            iv.put("executionState", ex.state).put("startTime", "2026-12-07T06:10:00+00:00");
            if (!ex.state.equals("Running")) {
                if (ex.exitCode != null) {
                    iv.put("exitCode", ex.exitCode);
                }
                iv.put("output", ex.output).put("error", ex.error).put("endTime", "2026-12-07T06:12:00+00:00");
                iv.put("executionMessage", ex.state.equals("TimedOut") ? "Execution timed out" : ex.state.equals("Failed") ? "Script failed" : "");
            } else {
                iv.put("output", "").put("error", "");
            }
            iv.putArray("statuses");
        }
        return v;
    }
}
