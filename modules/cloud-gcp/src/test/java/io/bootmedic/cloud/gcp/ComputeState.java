package io.bootmedic.cloud.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The Compute Engine resources of one project, in the Compute v1 REST shapes, and the rules the route depends on, at
 * least as strict as the service: operations finish after a delay (PENDING, RUNNING, DONE; the change applies at DONE,
 * or the operation ends in an error); names are RFC 1035 and at most 63 characters; labels are lower case; a boot disk
 * changes only on a TERMINATED instance; a disk is attached READ_WRITE to one instance; a device name is unique per
 * instance; a machine series attaches only the disk families it supports; a VM with Local SSD is not stopped without
 * discardLocalSsd; a disk from a snapshot inherits its licences (a request naming licences is refused). Every change is
 * in {@link #timeline}; {@link #violations} collects what a correct route must never do.
 */
final class ComputeState {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The API names its resources so whatever endpoint was called. */
    static final String BASE = "https://www.googleapis.com/compute/v1/";
    static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern LABEL_KEY = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
    private static final Pattern LABEL_VALUE = Pattern.compile("[a-z0-9_-]{0,63}");
    /** From Google's machine-series pages, kept apart from the route's own table: what each series cannot attach. */
    private static final Set<String> NO_PD = Set.of("c4", "c4a", "c4d", "n4", "x4");
    private static final Set<String> NO_HYPERDISK = Set.of("n1", "n2", "n2d", "e2", "t2d", "c2", "c2d");
    private static final Set<String> NVME_ONLY = Set.of("c3", "c3d", "c4", "c4a", "n4", "x4", "z3");

    static final class ApiError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String reason;

        ApiError(int status, String reason, String message) {
            super(message);
            this.status = status;
            this.reason = reason;
        }
    }

    final String project;
    final Map<String, ObjectNode> instances = new LinkedHashMap<>(); // zone/name
    final Map<String, ObjectNode> disks = new LinkedHashMap<>(); // zone/name
    final Map<String, ObjectNode> snapshots = new LinkedHashMap<>(); // name
    final Map<String, ObjectNode> operations = new LinkedHashMap<>(); // name
    private final Map<String, Long> dueAt = new LinkedHashMap<>();
    private final Map<String, Runnable> onDone = new LinkedHashMap<>();
    final List<String> timeline = new ArrayList<>();
    final List<String> violations = new ArrayList<>();
    /** Disks whose snapshots fail asynchronously (the operation ends in an error, the snapshot is gone). */
    final Set<String> failSnapshotOf = ConcurrentHashMap.newKeySet();
    /** How many of the next requests answer "rate limit exceeded", and with which status (403 as Compute's rate quotas, or 429). */
    int throttleNext;
    int throttleStatus = 403;
    /** Every n-th request is throttled (0: none). */
    int throttleEvery;
    long requestCount;
    final List<String> throttled = new ArrayList<>();
    int pageSize = 2;
    /** Longer than the tests' engine poll (50 ms), so reads see operations half-way. */
    long opMillis = 150;
    /** disk zone/name -> what is on it: "broken", "clean", "fixed". */
    final Map<String, String> content = new LinkedHashMap<>();
    private final AtomicLong ids = new AtomicLong(4_000_000_000_000_000_000L);

    ComputeState(String project) {
        this.project = project;
    }

    String zoneUrl(String zone) {
        return BASE + "projects/" + project + "/zones/" + zone;
    }

    private String fp() {
        return java.util.Base64.getEncoder().encodeToString(Long.toString(ids.incrementAndGet()).getBytes());
    }

    synchronized void event(String what) {
        timeline.add(what);
    }

    // ---- seeding ----

    synchronized ObjectNode addDisk(String zone, String name, long sizeGb, String type) {
        ObjectNode d = JSON.createObjectNode().put("kind", "compute#disk").put("id", Long.toUnsignedString(ids.incrementAndGet()))
                .put("name", name).put("sizeGb", Long.toString(sizeGb)).put("zone", zoneUrl(zone)).put("status", "READY")
                .put("selfLink", zoneUrl(zone) + "/disks/" + name).put("type", zoneUrl(zone) + "/diskTypes/" + type).put("labelFingerprint", fp());
        d.putObject("labels");
        d.putArray("users");
        disks.put(zone + "/" + name, d);
        return d;
    }

    synchronized ObjectNode addInstance(String zone, String name, String status, String machineType) {
        ObjectNode i = JSON.createObjectNode().put("kind", "compute#instance").put("id", Long.toUnsignedString(ids.incrementAndGet()))
                .put("name", name).put("zone", zoneUrl(zone)).put("machineType", zoneUrl(zone) + "/machineTypes/" + machineType).put("status", status)
                .put("selfLink", zoneUrl(zone) + "/instances/" + name).put("labelFingerprint", fp()).put("fingerprint", fp());
        i.putObject("labels");
        i.putArray("disks");
        i.putObject("metadata").put("kind", "compute#metadata").put("fingerprint", fp()).putArray("items");
        instances.put(zone + "/" + name, i);
        return i;
    }

    synchronized void attachSeed(String zone, String instance, String disk, String deviceName, boolean boot, boolean autoDelete, String iface) {
        attach(instance(zone, instance), disk(zone, disk), deviceName, boot, autoDelete, iface);
    }

    // ---- lookups ----

    synchronized ObjectNode instance(String zone, String name) {
        ObjectNode i = instances.get(zone + "/" + name);
        if (i == null) {
            throw new ApiError(404, "notFound", "The resource 'projects/" + project + "/zones/" + zone + "/instances/" + name + "' was not found");
        }
        return i;
    }

    synchronized ObjectNode disk(String zone, String name) {
        ObjectNode d = disks.get(zone + "/" + name);
        if (d == null) {
            throw new ApiError(404, "notFound", "The resource 'projects/" + project + "/zones/" + zone + "/disks/" + name + "' was not found");
        }
        return d;
    }

    synchronized ObjectNode snapshot(String name) {
        ObjectNode s = snapshots.get(name);
        if (s == null) {
            throw new ApiError(404, "notFound", "The resource 'projects/" + project + "/global/snapshots/" + name + "' was not found");
        }
        return s;
    }

    static String last(String url) {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    /** zone/name of a full or partial disk URL in a request, refusing another project. */
    String diskKey(String url) {
        var m = java.util.regex.Pattern.compile("(?:.*/)?projects/([^/]+)/zones/([^/]+)/disks/([^/]+)").matcher(url);
        if (!m.matches() || !m.group(1).equals(project)) {
            throw new ApiError(400, "invalid", "Invalid value for field 'resource.source': '" + url + "'.");
        }
        return m.group(2) + "/" + m.group(3);
    }

    static ObjectNode byDevice(ObjectNode instance, String deviceName) {
        for (JsonNode a : instance.path("disks")) {
            if (a.path("deviceName").asText().equals(deviceName)) {
                return (ObjectNode) a;
            }
        }
        return null;
    }

    static String bootDisk(ObjectNode i) {
        for (JsonNode a : i.path("disks")) {
            if (a.path("boot").asBoolean()) {
                return last(a.path("source").asText());
            }
        }
        return null;
    }

    static String series(ObjectNode instance) {
        String t = last(instance.path("machineType").asText());
        return t.contains("-") ? t.substring(0, t.indexOf('-')) : t;
    }

    // ---- operations: finished by time, each request first applies what is due ----

    synchronized ObjectNode operation(String zone, String type, String targetLink, Runnable done) {
        String name = "operation-" + ids.incrementAndGet() + "-" + type.toLowerCase(java.util.Locale.ROOT);
        ObjectNode op = JSON.createObjectNode().put("kind", "compute#operation").put("id", Long.toUnsignedString(ids.get())).put("name", name)
                .put("operationType", type).put("targetLink", targetLink).put("status", "RUNNING").put("progress", 0)
                .put("insertTime", "2026-12-07T05:00:00.000-08:00");
        op.put("selfLink", (zone != null ? zoneUrl(zone) : BASE + "projects/" + project + "/global") + "/operations/" + name);
        if (zone != null) {
            op.put("zone", zoneUrl(zone));
        }
        operations.put(name, op);
        dueAt.put(name, System.currentTimeMillis() + opMillis);
        onDone.put(name, done);
        return op.deepCopy();
    }

    synchronized void tick() {
        long now = System.currentTimeMillis();
        for (Iterator<Map.Entry<String, Long>> it = dueAt.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Long> e = it.next();
            if (e.getValue() > now) {
                continue;
            }
            it.remove();
            ObjectNode op = operations.get(e.getKey());
            op.put("status", "DONE").put("progress", 100).put("endTime", "2026-12-07T05:00:05.000-08:00");
            try {
                onDone.remove(e.getKey()).run();
            } catch (ApiError err) {
                op.putObject("error").putArray("errors").addObject().put("code", err.reason).put("message", err.getMessage());
                op.put("httpErrorStatusCode", err.status).put("httpErrorMessage", "BAD REQUEST");
            }
        }
    }

    // ---- instances ----

    synchronized ObjectNode stop(String zone, String name, boolean discardLocalSsd) {
        ObjectNode i = instance(zone, name);
        boolean scratch = false;
        for (JsonNode a : i.path("disks")) {
            scratch |= "SCRATCH".equals(a.path("type").asText());
        }
        if (scratch && !discardLocalSsd) {
            throw new ApiError(400, "badRequest", "Invalid resource usage: 'VM has a Local SSD attached but discardLocalSsd is not set.'");
        }
        String st = i.path("status").asText();
        if (st.equals("RUNNING") || st.equals("STAGING")) {
            i.put("status", "STOPPING");
        }
        event("stop " + name);
        return operation(zone, "stop", i.path("selfLink").asText(), () -> i.put("status", "TERMINATED"));
    }

    synchronized ObjectNode start(String zone, String name) {
        ObjectNode i = instance(zone, name);
        if (bootDisk(i) == null) {
            throw new ApiError(400, "badRequest", "Invalid resource usage: 'Instance does not have a boot disk.'");
        }
        if (i.path("status").asText().equals("TERMINATED")) {
            i.put("status", "STAGING");
        }
        event("start " + name + " boot=" + bootDisk(i));
        return operation(zone, "start", i.path("selfLink").asText(), () -> i.put("status", "RUNNING"));
    }

    synchronized ObjectNode attachDisk(String zone, String name, JsonNode body) {
        ObjectNode i = instance(zone, name);
        String key = diskKey(body.path("source").asText());
        if (!key.startsWith(zone + "/")) {
            throw new ApiError(400, "invalid", "Invalid value for field 'resource.source': disk must be in the same zone as the instance.");
        }
        ObjectNode d = disk(zone, last(key));
        if (!"READY".equals(d.path("status").asText())) {
            throw new ApiError(400, "resourceNotReady", "The resource '" + d.path("selfLink").asText() + "' is not ready");
        }
        if (d.path("users").size() > 0) {
            throw new ApiError(400, "resourceInUseByAnotherResource",
                    "The disk resource '" + d.path("selfLink").asText() + "' is already being used by '" + d.path("users").get(0).asText() + "'");
        }
        String type = last(d.path("type").asText());
        String series = series(i);
        if (type.startsWith("hyperdisk-") && NO_HYPERDISK.contains(series) || type.startsWith("pd-") && NO_PD.contains(series)) {
            throw new ApiError(400, "invalid", "[" + type + "] disk type cannot be used by [" + last(i.path("machineType").asText()) + "] machine type.");
        }
        String iface = body.path("interface").asText("SCSI"); // the reference's default, refused below on NVMe-only series
        if (NVME_ONLY.contains(series) && !iface.equals("NVME")) {
            throw new ApiError(400, "invalid", "Invalid value for field 'resource.interface': '" + iface + "'. " + series + " machines attach disks by NVME only.");
        }
        boolean boot = body.path("boot").asBoolean(false);
        if (boot && !i.path("status").asText().equals("TERMINATED")) {
            throw new ApiError(400, "badRequest", "Invalid resource usage: 'Boot disk can only be attached to a stopped instance.'");
        }
        if (boot && bootDisk(i) != null) {
            throw new ApiError(400, "badRequest", "Invalid resource usage: 'Instance already has a boot disk.'");
        }
        String device = body.path("deviceName").asText(last(key));
        if (byDevice(i, device) != null) {
            throw new ApiError(400, "invalid", "Invalid value for field 'resource.deviceName': '" + device + "'. Device name must be unique for the instance.");
        }
        event("attachDisk " + name + " " + last(key) + " device=" + device + (boot ? " boot " + iface : ""));
        boolean autoDelete = body.path("autoDelete").asBoolean(false);
        // the disk lists its user at once, the instance lists the disk at DONE: a read in between sees one and not the other
        d.withArray("users").add(i.path("selfLink").asText());
        return operation(zone, "attachDisk", i.path("selfLink").asText(), () -> attach(i, d, device, boot, autoDelete, iface));
    }

    private void attach(ObjectNode i, ObjectNode d, String device, boolean boot, boolean autoDelete, String iface) {
        ArrayNode list = (ArrayNode) i.get("disks");
        ObjectNode a = JSON.createObjectNode().put("kind", "compute#attachedDisk").put("type", "PERSISTENT").put("mode", "READ_WRITE")
                .put("source", d.path("selfLink").asText()).put("deviceName", device).put("index", list.size()).put("boot", boot)
                .put("autoDelete", autoDelete).put("interface", iface).put("diskSizeGb", d.path("sizeGb").asText());
        if (d.has("licenses")) {
            a.set("licenses", d.get("licenses").deepCopy());
        }
        if (d.has("guestOsFeatures")) {
            a.set("guestOsFeatures", d.get("guestOsFeatures").deepCopy());
        }
        if (boot) {
            list.insert(0, a);
        } else {
            list.add(a);
        }
        ArrayNode users = d.withArray("users");
        boolean listed = false;
        for (JsonNode u : users) {
            listed |= u.asText().equals(i.path("selfLink").asText());
        }
        if (!listed) {
            users.add(i.path("selfLink").asText());
        }
    }

    synchronized ObjectNode detachDisk(String zone, String name, String deviceName) {
        ObjectNode i = instance(zone, name);
        ObjectNode a = byDevice(i, deviceName);
        if (a == null) {
            throw new ApiError(400, "invalid", "Invalid value for field 'deviceName': '" + deviceName + "'. No disk with this device name is attached.");
        }
        if (a.path("boot").asBoolean() && !i.path("status").asText().equals("TERMINATED")) {
            throw new ApiError(400, "badRequest", "Invalid resource usage: 'Detaching the boot disk of a running instance is not supported.'");
        }
        String key = zone + "/" + last(a.path("source").asText());
        event("detachDisk " + name + " " + last(key));
        return operation(zone, "detachDisk", i.path("selfLink").asText(), () -> {
            ArrayNode list = (ArrayNode) i.get("disks");
            for (int k = 0; k < list.size(); k++) {
                if (list.get(k).path("deviceName").asText().equals(deviceName)) {
                    list.remove(k);
                    break;
                }
            }
            ArrayNode users = disk(zone, last(key)).withArray("users");
            for (int k = 0; k < users.size(); k++) {
                if (users.get(k).asText().equals(i.path("selfLink").asText())) {
                    users.remove(k);
                    break;
                }
            }
        });
    }

    synchronized ObjectNode setLabels(String zone, ObjectNode resource, JsonNode body) {
        if (!body.path("labelFingerprint").asText().equals(resource.path("labelFingerprint").asText())) {
            throw new ApiError(412, "conditionNotMet", "Labels fingerprint either invalid or resource labels have changed");
        }
        ObjectNode labels = body.path("labels").isObject() ? ((ObjectNode) body.get("labels")).deepCopy() : JSON.createObjectNode();
        checkLabels(labels);
        event("setLabels " + resource.path("name").asText() + " " + labels);
        return operation(zone, "setLabels", resource.path("selfLink").asText(), () -> {
            resource.set("labels", labels);
            resource.put("labelFingerprint", fp());
        });
    }

    static void checkLabels(JsonNode labels) {
        labels.fields().forEachRemaining(e -> {
            if (!LABEL_KEY.matcher(e.getKey()).matches() || !e.getValue().isTextual() || !LABEL_VALUE.matcher(e.getValue().asText()).matches()) {
                throw new ApiError(400, "invalid", "Invalid value for field 'labels': '" + e.getKey() + "=" + e.getValue() + "'. Label keys and values must be lower case.");
            }
        });
    }

    static void checkName(String name, String field) {
        if (name.length() > 63 || !NAME.matcher(name).matches()) {
            throw new ApiError(400, "invalid", "Invalid value for field '" + field + "': '" + name + "'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'");
        }
    }

    // ---- disks and snapshots ----

    synchronized ObjectNode insertDisk(String zone, JsonNode body) {
        String name = body.path("name").asText();
        checkName(name, "resource.name");
        if (body.has("licenses") || body.has("licenseCodes")) {
            throw new ApiError(400, "invalid", "Invalid value for field 'resource.licenses': licences are reserved for Google's use.");
        }
        checkLabels(body.path("labels"));
        if (disks.containsKey(zone + "/" + name)) {
            throw new ApiError(409, "alreadyExists", "The resource 'projects/" + project + "/zones/" + zone + "/disks/" + name + "' already exists");
        }
        String src = body.path("sourceSnapshot").asText("");
        ObjectNode snap = src.isEmpty() ? null : snapshot(last(src));
        if (snap != null && !snap.path("status").asText().equals("READY")) {
            throw new ApiError(400, "resourceNotReady", "The resource '" + snap.path("selfLink").asText() + "' is not ready");
        }
        long size = body.has("sizeGb") ? body.path("sizeGb").asLong() : snap == null ? 10 : snap.path("diskSizeGb").asLong();
        if (snap != null && size < snap.path("diskSizeGb").asLong()) {
            throw new ApiError(400, "invalid", "Requested disk size cannot be smaller than the snapshot size");
        }
        String type = body.has("type") ? last(body.path("type").asText()) : "pd-standard";
        ObjectNode d = addDisk(zone, name, size, type);
        d.put("status", "CREATING");
        if (snap != null) {
            d.put("sourceSnapshot", snap.path("selfLink").asText()).put("sourceSnapshotId", snap.path("id").asText());
            d.set("licenses", snap.path("licenses").deepCopy()); // inherited
            d.set("guestOsFeatures", snap.path("guestOsFeatures").deepCopy());
            content.put(zone + "/" + name, content.getOrDefault("snapshot:" + snap.path("name").asText(), "empty"));
        }
        for (String f : List.of("guestOsFeatures", "diskEncryptionKey", "labels")) {
            if (body.has(f)) {
                d.set(f, body.get(f).deepCopy());
            }
        }
        for (String f : List.of("provisionedIops", "provisionedThroughput")) {
            if (body.has(f)) {
                d.put(f, body.get(f).asText());
            }
        }
        event("insertDisk " + name + " from " + (snap == null ? "-" : snap.path("name").asText()) + " type=" + type);
        return operation(zone, "insert", d.path("selfLink").asText(), () -> d.put("status", "READY"));
    }

    synchronized ObjectNode deleteDisk(String zone, String name) {
        ObjectNode d = disk(zone, name);
        if (d.path("users").size() > 0) {
            throw new ApiError(400, "resourceInUseByAnotherResource", "The disk resource '" + d.path("selfLink").asText() + "' is already being used");
        }
        event("deleteDisk " + name);
        return operation(zone, "delete", d.path("selfLink").asText(), () -> disks.remove(zone + "/" + name));
    }

    synchronized ObjectNode insertSnapshot(JsonNode body) {
        String name = body.path("name").asText();
        checkName(name, "resource.name");
        checkLabels(body.path("labels"));
        if (snapshots.containsKey(name)) {
            throw new ApiError(409, "alreadyExists", "The resource 'projects/" + project + "/global/snapshots/" + name + "' already exists");
        }
        String key = diskKey(body.path("sourceDisk").asText());
        ObjectNode d = disk(key.substring(0, key.indexOf('/')), last(key));
        ObjectNode s = JSON.createObjectNode().put("kind", "compute#snapshot").put("id", Long.toUnsignedString(ids.incrementAndGet())).put("name", name)
                .put("status", "CREATING").put("sourceDisk", d.path("selfLink").asText()).put("sourceDiskId", d.path("id").asText())
                .put("diskSizeGb", d.path("sizeGb").asText()).put("selfLink", BASE + "projects/" + project + "/global/snapshots/" + name)
                .put("labelFingerprint", fp());
        s.set("licenses", d.path("licenses").isArray() ? d.get("licenses").deepCopy() : JSON.createArrayNode());
        s.set("guestOsFeatures", d.path("guestOsFeatures").isArray() ? d.get("guestOsFeatures").deepCopy() : JSON.createArrayNode());
        s.set("labels", body.path("labels").isObject() ? body.get("labels").deepCopy() : JSON.createObjectNode());
        if (body.has("snapshotEncryptionKey")) {
            s.set("snapshotEncryptionKey", body.get("snapshotEncryptionKey").deepCopy());
        }
        snapshots.put(name, s);
        content.put("snapshot:" + name, content.getOrDefault(key, "empty"));
        boolean fail = failSnapshotOf.contains(last(key));
        event("insertSnapshot " + name + " of " + last(key));
        return operation(null, "insert", s.path("selfLink").asText(), () -> {
            if (fail) {
                snapshots.remove(name);
                event("snapshot " + name + " FAILED");
                throw new ApiError(500, "internalError", "Snapshot creation failed (emulated)");
            }
            s.put("status", "READY");
        });
    }

    // ---- the worker's bootmedic, for the stand-in worker-fix.sh ----

    /** What bootmedic finds on the disk at DEVICE of WORKER: fixes it if it is broken; every write is checked. */
    synchronized String fix(String worker, String device) {
        ObjectNode w = null;
        for (ObjectNode i : instances.values()) {
            if (i.path("name").asText().equals(worker)) {
                w = i;
            }
        }
        ObjectNode a = w == null ? null : byDevice(w, device);
        if (a == null) {
            return "worker-fix: no disk at google-" + device + "\nBOOTMEDIC_EXIT=1\n";
        }
        String key = diskKey(a.path("source").asText().replace(BASE, ""));
        ObjectNode d = disks.get(key);
        if (!d.has("sourceSnapshot")) {
            violations.add("bootmedic wrote to " + key + ", an original (not made from a snapshot)");
        }
        if (d.path("users").size() != 1) {
            violations.add("bootmedic wrote to " + key + " while it was attached to " + d.path("users"));
        }
        String what = content.getOrDefault(key, "empty");
        event("bootmedic " + key + " " + what);
        if ("broken".equals(what)) {
            content.put(key, "fixed");
            return "FIXED: 1 faulty file(s) quarantined or neutralized. Next: restart the machine; it should boot normally.\nBOOTMEDIC_EXIT=0\n";
        }
        return "NOTHING TO FIX: no faulty file on 1 Windows volume(s).\nBOOTMEDIC_EXIT=0\n";
    }
}
