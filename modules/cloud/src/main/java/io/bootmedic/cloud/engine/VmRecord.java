package io.bootmedic.cloud.engine;

import io.bootmedic.util.Json;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Everything the journal knows of one VM: its step and the resources the run made for it. Immutable; each transition
 * writes a whole new record, so the last line of a VM is its state.
 *
 * @param uid the cloud's unique ID of the VM, which every created name derives from
 * @param attempt the snapshot/copy/fix attempt (a snapshot in {@code error} is retried under a new name)
 * @param checksPassed set only by the checks: nothing is stopped without it (invariant 6)
 * @param wasRunning the VM's power when it was checked; rollback restores it
 * @param released the worker's writer was seen to exit, or the worker confirmed nothing holds the device (invariant 3)
 * @param detached the copy was seen off the worker after a detach
 * @param changed the fix reported a change to the copy: the only way to a swap (invariant 5)
 * @param failed the VM is being rolled back because of a failure (not because the fix found nothing)
 * @param zone where the VM's disks can be attached, read at the checks: only a worker there gets its copy
 */
public record VmRecord(String uid, String vmId, String name, Step step, int attempt, boolean checksPassed, boolean wasRunning,
        String original, String snapshot, String copy, String worker, String device, String command, boolean released,
        boolean detached, boolean changed, boolean failed, String reason, String zone) {

    static final Set<String> FIELDS = Set.of("uid", "vmId", "name", "step", "attempt", "checksPassed", "wasRunning", "original", "snapshot",
            "copy", "worker", "device", "command", "released", "detached", "changed", "failed", "reason", "zone");

    public static VmRecord discovered(String uid, String vmId, String name) {
        return new VmRecord(uid, vmId, name, Step.DISCOVERED, 1, false, false, null, null, null, null, null, null, false, false, false, false,
                null, null);
    }

    public VmRecord to(Step next) {
        return new VmRecord(uid, vmId, name, next, attempt, checksPassed, wasRunning, original, snapshot, copy, worker, device, command,
                released, detached, changed, failed, reason, zone);
    }

    public VmRecord because(String why) {
        return new VmRecord(uid, vmId, name, step, attempt, checksPassed, wasRunning, original, snapshot, copy, worker, device, command,
                released, detached, changed, failed, why, zone);
    }

    VmRecord checked(String originalDisk, boolean running, String vmZone) {
        return new VmRecord(uid, vmId, name, step, attempt, true, running, originalDisk, snapshot, copy, worker, device, command, released,
                detached, changed, failed, reason, vmZone);
    }

    VmRecord nextAttempt() {
        return new VmRecord(uid, vmId, name, step, attempt + 1, checksPassed, wasRunning, original, null, null, worker, device, command,
                released, detached, changed, failed, reason, zone);
    }

    VmRecord withSnapshot(String id) {
        return new VmRecord(uid, vmId, name, step, attempt, checksPassed, wasRunning, original, id, copy, worker, device, command, released,
                detached, changed, failed, reason, zone);
    }

    VmRecord withCopy(String id) {
        return new VmRecord(uid, vmId, name, step, attempt, checksPassed, wasRunning, original, snapshot, id, worker, device, command,
                released, detached, changed, failed, reason, zone);
    }

    VmRecord onWorker(String workerId, String dev) {
        return new VmRecord(uid, vmId, name, step, attempt, checksPassed, wasRunning, original, snapshot, copy, workerId, dev, command,
                released, false, changed, failed, reason, zone);
    }

    VmRecord withCommand(String id, boolean fixChanged) {
        return new VmRecord(uid, vmId, name, step, attempt, checksPassed, wasRunning, original, snapshot, copy, worker, device, id, released,
                detached, fixChanged, failed, reason, zone);
    }

    VmRecord releasedNow() {
        return new VmRecord(uid, vmId, name, step, attempt, checksPassed, wasRunning, original, snapshot, copy, worker, device, command, true,
                detached, changed, failed, reason, zone);
    }

    VmRecord detachedNow() {
        return new VmRecord(uid, vmId, name, step, attempt, checksPassed, wasRunning, original, snapshot, copy, worker, device, command,
                released, true, changed, failed, reason, zone);
    }

    VmRecord failing(String why) {
        return new VmRecord(uid, vmId, name, step, attempt, checksPassed, wasRunning, original, snapshot, copy, worker, device, command,
                released, detached, changed, true, why, zone);
    }

    /** A copy is on a worker (or may be): the worker slot stays taken. */
    boolean holdsSlot() {
        return worker != null && !detached;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uid", uid);
        m.put("vmId", vmId);
        m.put("name", name);
        m.put("step", step.name());
        m.put("attempt", attempt);
        m.put("checksPassed", checksPassed);
        m.put("wasRunning", wasRunning);
        m.put("original", original);
        m.put("snapshot", snapshot);
        m.put("copy", copy);
        m.put("worker", worker);
        m.put("device", device);
        m.put("command", command);
        m.put("released", released);
        m.put("detached", detached);
        m.put("changed", changed);
        m.put("failed", failed);
        m.put("reason", reason);
        m.put("zone", zone);
        return m;
    }

    /** Strict: every field present with its type, nothing unknown, a known step. */
    static VmRecord fromMap(Map<String, Object> m) throws IOException {
        String unknown = Json.firstUnknownField(m, FIELDS);
        if (unknown != null) {
            throw new IOException("unknown field " + unknown);
        }
        for (String f : FIELDS) {
            if (!m.containsKey(f)) {
                throw new IOException("field " + f + " is missing");
            }
        }
        Step step;
        try {
            step = Step.valueOf(str(m, "step", false));
        } catch (IllegalArgumentException e) {
            throw new IOException("unknown step " + m.get("step"), e);
        }
        Object attempt = m.get("attempt");
        if (!(attempt instanceof Number n) || n.intValue() < 1 || n.intValue() > 1000) {
            throw new IOException("attempt is not a number from 1 to 1000");
        }
        return new VmRecord(str(m, "uid", false), str(m, "vmId", false), str(m, "name", true), step, n.intValue(), bool(m, "checksPassed"),
                bool(m, "wasRunning"), str(m, "original", true), str(m, "snapshot", true), str(m, "copy", true), str(m, "worker", true),
                str(m, "device", true), str(m, "command", true), bool(m, "released"), bool(m, "detached"), bool(m, "changed"), bool(m, "failed"),
                str(m, "reason", true), str(m, "zone", true));
    }

    private static String str(Map<String, Object> m, String f, boolean nullable) throws IOException {
        Object v = m.get(f);
        if (v == null && nullable) {
            return null;
        }
        if (!(v instanceof String s) || s.isEmpty()) {
            throw new IOException("field " + f + " is not a non-empty string");
        }
        return s;
    }

    private static boolean bool(Map<String, Object> m, String f) throws IOException {
        Object v = m.get(f);
        if (!(v instanceof Boolean b)) {
            throw new IOException("field " + f + " is not true or false");
        }
        return b;
    }
}
