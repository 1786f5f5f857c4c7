package io.bootmedic.massremediation.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Compute Engine resources of one project and the state machine the GCP driver depends on,
 * with the shapes of the Compute v1 REST reference (Instance, AttachedDisk, Disk, Snapshot,
 * Operation, Project): instances RUNNING -> STOPPING -> TERMINATED and STAGING -> RUNNING,
 * operations PENDING -> RUNNING -> DONE (one step per operations.get / operations.wait), disks
 * CREATING -> READY, snapshots CREATING -> UPLOADING -> READY or FAILED (one step per get),
 * attachDisk/detachDisk, setLabels and setCommonInstanceMetadata with their fingerprints,
 * setDiskAutoDelete. Errors carry the API's HTTP codes and reasons.
 */
final class ComputeState {
    static final ObjectMapper JSON = new ObjectMapper();

    /** An API error: HTTP status, the error's reason, message. */
    static final class ApiError extends RuntimeException {
        final int status;
        final String reason;

        ApiError(int status, String reason, String message) {
            super(message);
            this.status = status;
            this.reason = reason;
        }
    }

    final String project;
    final String base; // https://.../compute/v1/ as the emulator is reached
    final Map<String, ObjectNode> instances = new LinkedHashMap<>(); // zone/name
    final Map<String, ObjectNode> disks = new LinkedHashMap<>();     // zone/name
    final Map<String, ObjectNode> snapshots = new LinkedHashMap<>(); // name
    final Map<String, ObjectNode> operations = new LinkedHashMap<>(); // name
    private final Map<String, Runnable> onDone = new ConcurrentHashMap<>();
    /** Every change and every worker-side event, in order, for the tests' assertions. */
    final List<String> timeline = new ArrayList<>();
    /** Source disks whose snapshots end FAILED. */
    final Set<String> failSnapshotOf = ConcurrentHashMap.newKeySet();
    /** Calls of a method name (e.g. "attachDisk") that fail with 503 once. */
    final Set<String> failOnce = ConcurrentHashMap.newKeySet();
    ObjectNode projectResource;
    private final AtomicLong ids = new AtomicLong(1000);

    ComputeState(String project, String base) {
        this.project = project;
        this.base = base;
        projectResource = JSON.createObjectNode()
                .put("kind", "compute#project").put("name", project).put("id", "4242")
                .put("selfLink", base + "projects/" + project);
        projectResource.putObject("commonInstanceMetadata").put("kind", "compute#metadata").put("fingerprint", fp())
                .putArray("items");
        projectResource.put("defaultServiceAccount", "1-compute@developer.gserviceaccount.com");
    }

    String zoneUrl(String zone) {
        return base + "projects/" + project + "/zones/" + zone;
    }

    String diskUrl(String zone, String name) {
        return zoneUrl(zone) + "/disks/" + name;
    }

    private String fp() {
        return java.util.Base64.getEncoder().encodeToString(Long.toString(ids.incrementAndGet()).getBytes());
    }

    synchronized void event(String what) {
        timeline.add(what);
    }

    // ---- seeding ----------------------------------------------------------------------------

    synchronized ObjectNode addDisk(String zone, String name, long sizeGb, String type) {
        ObjectNode d = JSON.createObjectNode()
                .put("kind", "compute#disk").put("id", Long.toString(ids.incrementAndGet()))
                .put("creationTimestamp", "2024-07-19T04:00:00.000-07:00")
                .put("name", name).put("sizeGb", Long.toString(sizeGb)).put("zone", zoneUrl(zone))
                .put("status", "READY").put("selfLink", diskUrl(zone, name))
                .put("type", zoneUrl(zone) + "/diskTypes/" + type)
                .put("labelFingerprint", fp()).put("physicalBlockSizeBytes", "4096");
        d.putObject("labels");
        disks.put(zone + "/" + name, d);
        return d;
    }

    synchronized ObjectNode addInstance(String zone, String name, String status) {
        ObjectNode i = JSON.createObjectNode()
                .put("kind", "compute#instance").put("id", Long.toString(ids.incrementAndGet()))
                .put("creationTimestamp", "2024-07-19T04:00:00.000-07:00")
                .put("name", name).put("zone", zoneUrl(zone))
                .put("machineType", zoneUrl(zone) + "/machineTypes/n2-standard-4")
                .put("status", status).put("selfLink", zoneUrl(zone) + "/instances/" + name)
                .put("labelFingerprint", fp()).put("fingerprint", fp()).put("cpuPlatform", "Intel Cascade Lake");
        i.putObject("labels");
        i.putArray("disks");
        ObjectNode nic = i.putArray("networkInterfaces").addObject()
                .put("kind", "compute#networkInterface").put("name", "nic0")
                .put("network", base + "projects/" + project + "/global/networks/default")
                .put("networkIP", "10.128.0." + (ids.get() % 200 + 2));
        nic.putArray("accessConfigs").addObject().put("kind", "compute#accessConfig").put("type", "ONE_TO_ONE_NAT")
                .put("name", "External NAT").put("natIP", "127.0.0.1");
        i.putObject("metadata").put("kind", "compute#metadata").put("fingerprint", fp()).putArray("items");
        i.putObject("scheduling").put("automaticRestart", true).put("onHostMaintenance", "MIGRATE");
        instances.put(zone + "/" + name, i);
        return i;
    }

    synchronized void attachSeed(String zone, String instance, String disk, String deviceName, boolean boot, boolean autoDelete) {
        ObjectNode i = instance(zone, instance);
        ObjectNode d = disk(zone, disk);
        attach(i, d, deviceName, boot, autoDelete);
    }

    // ---- lookups ----------------------------------------------------------------------------

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

    /** snapshots.get: a snapshot in progress moves one step per read. */
    synchronized ObjectNode readSnapshot(String name) {
        ObjectNode s = snapshot(name);
        switch (s.path("status").asText()) {
            case "CREATING" -> s.put("status", "UPLOADING");
            case "UPLOADING" -> {
                String src = last(s.path("sourceDisk").asText());
                s.put("status", failSnapshotOf.contains(src) ? "FAILED" : "READY");
                event("snapshot " + name + " " + s.path("status").asText());
            }
            default -> { }
        }
        return s;
    }

    static String last(String url) {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    private static String zoneOf(ObjectNode r) {
        return last(r.path("zone").asText());
    }

    /** The attached disk entry of disk NAME on an instance, or null. */
    static ObjectNode attachedDisk(ObjectNode instance, String diskName) {
        for (JsonNode a : instance.path("disks")) {
            if (last(a.path("source").asText()).equals(diskName)) {
                return (ObjectNode) a;
            }
        }
        return null;
    }

    static ObjectNode byDevice(ObjectNode instance, String deviceName) {
        for (JsonNode a : instance.path("disks")) {
            if (a.path("deviceName").asText().equals(deviceName)) {
                return (ObjectNode) a;
            }
        }
        return null;
    }

    // ---- operations -------------------------------------------------------------------------

    synchronized ObjectNode operation(String zone, String type, String targetLink, Runnable done) {
        String name = "operation-" + ids.incrementAndGet() + "-bm";
        ObjectNode op = JSON.createObjectNode()
                .put("kind", "compute#operation").put("id", Long.toString(ids.get())).put("name", name)
                .put("operationType", type).put("targetLink", targetLink).put("status", "PENDING")
                .put("user", "admin@example.com").put("progress", 0)
                .put("insertTime", "2024-07-19T05:00:00.000-07:00");
        if (zone != null) {
            op.put("zone", zoneUrl(zone)).put("selfLink", zoneUrl(zone) + "/operations/" + name);
        } else {
            op.put("selfLink", base + "projects/" + project + "/global/operations/" + name);
        }
        operations.put(name, op);
        onDone.put(name, done);
        return op;
    }

    /** operations.get / operations.wait: one step PENDING -> RUNNING -> DONE; DONE applies the change. */
    synchronized ObjectNode advance(String name) {
        ObjectNode op = operations.get(name);
        if (op == null) {
            throw new ApiError(404, "notFound", "The resource 'operations/" + name + "' was not found");
        }
        switch (op.path("status").asText()) {
            case "PENDING" -> op.put("status", "RUNNING").put("startTime", "2024-07-19T05:00:01.000-07:00").put("progress", 50);
            case "RUNNING" -> {
                op.put("status", "DONE").put("endTime", "2024-07-19T05:00:05.000-07:00").put("progress", 100);
                Runnable r = onDone.remove(name);
                if (r != null) {
                    try {
                        r.run();
                    } catch (ApiError e) {
                        op.putObject("error").putArray("errors").addObject().put("code", e.reason).put("message", e.getMessage());
                        op.put("httpErrorStatusCode", e.status).put("httpErrorMessage", "BAD REQUEST");
                    }
                }
            }
            default -> { }
        }
        return op;
    }

    // ---- instance methods -------------------------------------------------------------------

    synchronized ObjectNode stop(String zone, String name) {
        ObjectNode i = instance(zone, name);
        String st = i.path("status").asText();
        if (st.equals("RUNNING") || st.equals("STAGING") || st.equals("PROVISIONING")) {
            i.put("status", "STOPPING");
        }
        event("stop " + name);
        return operation(zone, "stop", i.path("selfLink").asText(), () -> i.put("status", "TERMINATED"));
    }

    synchronized ObjectNode start(String zone, String name) {
        ObjectNode i = instance(zone, name);
        boolean hasBoot = false;
        for (JsonNode a : i.path("disks")) {
            hasBoot |= a.path("boot").asBoolean();
        }
        if (!hasBoot) {
            throw new ApiError(400, "badRequest", "Invalid resource usage: 'Instance does not have a boot disk.'");
        }
        if (i.path("status").asText().equals("TERMINATED")) {
            i.put("status", "STAGING");
        }
        event("start " + name + " boot=" + bootDisk(i));
        return operation(zone, "start", i.path("selfLink").asText(), () -> i.put("status", "RUNNING"));
    }

    static String bootDisk(ObjectNode i) {
        for (JsonNode a : i.path("disks")) {
            if (a.path("boot").asBoolean()) {
                return last(a.path("source").asText());
            }
        }
        return "";
    }

    synchronized ObjectNode attachDisk(String zone, String name, JsonNode body) {
        ObjectNode i = instance(zone, name);
        String source = body.path("source").asText();
        ObjectNode d = disk(zone, last(source));
        if (!source.contains("/zones/" + zone + "/")) {
            throw new ApiError(400, "invalid", "Invalid value for field 'resource.source': '" + source + "'. Disk must be in the same zone as the instance.");
        }
        if (d.path("users").size() > 0) {
            throw new ApiError(400, "resourceInUseByAnotherResource", "The disk resource '" + d.path("selfLink").asText()
                    + "' is already being used by '" + d.path("users").get(0).asText() + "'");
        }
        boolean boot = body.path("boot").asBoolean(false);
        if (boot && !i.path("status").asText().equals("TERMINATED")) {
            throw new ApiError(400, "badRequest", "Invalid resource usage: 'Boot disk can only be attached to a stopped instance.'");
        }
        if (boot && !bootDisk(i).isEmpty()) {
            throw new ApiError(400, "badRequest", "Invalid resource usage: 'Instance already has a boot disk.'");
        }
        String device = body.path("deviceName").asText(last(source));
        if (byDevice(i, device) != null) {
            throw new ApiError(400, "invalid", "Invalid value for field 'resource.deviceName': '" + device + "'. Device name must be unique for the instance.");
        }
        event("attachDisk " + name + " " + last(source) + " device=" + device + (boot ? " boot" : ""));
        return operation(zone, "attachDisk", i.path("selfLink").asText(),
                () -> attach(i, d, device, boot, body.path("autoDelete").asBoolean(false)));
    }

    private void attach(ObjectNode i, ObjectNode d, String device, boolean boot, boolean autoDelete) {
        ArrayNode list = (ArrayNode) i.get("disks");
        ObjectNode a = JSON.createObjectNode()
                .put("kind", "compute#attachedDisk").put("type", "PERSISTENT").put("mode", "READ_WRITE")
                .put("source", d.path("selfLink").asText()).put("deviceName", device).put("index", list.size())
                .put("boot", boot).put("autoDelete", autoDelete).put("interface", "SCSI")
                .put("diskSizeGb", d.path("sizeGb").asText());
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
        d.withArray("users").add(i.path("selfLink").asText());
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
        String disk = last(a.path("source").asText());
        event("detachDisk " + name + " " + disk);
        return operation(zone, "detachDisk", i.path("selfLink").asText(), () -> {
            ArrayNode list = (ArrayNode) i.get("disks");
            for (int k = 0; k < list.size(); k++) {
                if (list.get(k).path("deviceName").asText().equals(deviceName)) {
                    list.remove(k);
                    break;
                }
            }
            ObjectNode d = disk(zone, disk);
            ArrayNode users = d.withArray("users");
            for (int k = 0; k < users.size(); k++) {
                if (users.get(k).asText().equals(i.path("selfLink").asText())) {
                    users.remove(k);
                    break;
                }
            }
        });
    }

    synchronized ObjectNode setDiskAutoDelete(String zone, String name, String deviceName, boolean autoDelete) {
        ObjectNode i = instance(zone, name);
        ObjectNode a = byDevice(i, deviceName);
        if (a == null) {
            throw new ApiError(400, "invalid", "No attached disk found with device name '" + deviceName + "'");
        }
        event("setDiskAutoDelete " + name + " " + deviceName + " " + autoDelete);
        return operation(zone, "setDiskAutoDelete", i.path("selfLink").asText(), () -> a.put("autoDelete", autoDelete));
    }

    /** instances.setLabels / disks.setLabels: the fingerprint must be the current one (412 otherwise). */
    synchronized ObjectNode setLabels(String zone, ObjectNode resource, JsonNode body) {
        if (!body.path("labelFingerprint").asText().equals(resource.path("labelFingerprint").asText())) {
            throw new ApiError(412, "conditionNotMet", "Labels fingerprint either invalid or resource labels have changed");
        }
        ObjectNode labels = body.path("labels").isObject() ? ((ObjectNode) body.get("labels")).deepCopy() : JSON.createObjectNode();
        event("setLabels " + resource.path("name").asText() + " " + labels);
        return operation(zone, "setLabels", resource.path("selfLink").asText(), () -> {
            resource.set("labels", labels);
            resource.put("labelFingerprint", fp());
        });
    }

    synchronized ObjectNode setCommonInstanceMetadata(JsonNode body) {
        ObjectNode md = (ObjectNode) projectResource.get("commonInstanceMetadata");
        if (!body.path("fingerprint").asText().equals(md.path("fingerprint").asText())) {
            throw new ApiError(412, "conditionNotMet", "Supplied fingerprint does not match current metadata fingerprint.");
        }
        return operation(null, "setMetadata", projectResource.path("selfLink").asText(), () -> {
            md.set("items", body.path("items").deepCopy());
            md.put("fingerprint", fp());
        });
    }

    // ---- disks and snapshots ----------------------------------------------------------------

    synchronized ObjectNode insertDisk(String zone, JsonNode body) {
        String name = body.path("name").asText();
        if (disks.containsKey(zone + "/" + name)) {
            throw new ApiError(409, "alreadyExists", "The resource 'projects/" + project + "/zones/" + zone + "/disks/" + name + "' already exists");
        }
        String src = body.path("sourceSnapshot").asText("");
        ObjectNode snap = src.isEmpty() ? null : snapshot(last(src));
        if (snap != null && !snap.path("status").asText().equals("READY")) {
            throw new ApiError(400, "resourceNotReady", "The resource '" + snap.path("selfLink").asText() + "' is not ready");
        }
        long size = body.has("sizeGb") ? body.path("sizeGb").asLong() : snap == null ? 10 : snap.path("diskSizeGb").asLong();
        String type = body.has("type") ? last(body.path("type").asText()) : "pd-standard";
        ObjectNode d = addDisk(zone, name, size, type);
        d.put("status", "CREATING");
        if (snap != null) {
            d.put("sourceSnapshot", snap.path("selfLink").asText()).put("sourceSnapshotId", snap.path("id").asText());
            // a disk from a snapshot inherits its licences and guest OS features unless the request names them
            d.set("licenses", snap.path("licenses").deepCopy());
            d.set("guestOsFeatures", snap.path("guestOsFeatures").deepCopy());
        }
        for (String f : List.of("licenses", "guestOsFeatures", "diskEncryptionKey", "labels")) {
            if (body.has(f)) {
                d.set(f, body.get(f).deepCopy());
            }
        }
        for (String f : List.of("provisionedIops", "provisionedThroughput", "architecture")) {
            if (body.has(f)) {
                d.put(f, body.get(f).asText());
            }
        }
        if (d.has("diskEncryptionKey") && d.get("diskEncryptionKey").has("kmsKeyName")) {
            ((ObjectNode) d.get("diskEncryptionKey")).put("kmsKeyName", d.get("diskEncryptionKey").get("kmsKeyName").asText() + "/cryptoKeyVersions/1");
        }
        event("insertDisk " + name + " from " + (snap == null ? "-" : snap.path("name").asText()));
        return operation(zone, "insert", d.path("selfLink").asText(), () -> d.put("status", "READY"));
    }

    synchronized ObjectNode insertSnapshot(JsonNode body) {
        String name = body.path("name").asText();
        if (snapshots.containsKey(name)) {
            throw new ApiError(409, "alreadyExists", "The resource 'projects/" + project + "/global/snapshots/" + name + "' already exists");
        }
        String src = body.path("sourceDisk").asText();
        String zone = src.replaceAll(".*/zones/([^/]+)/.*", "$1");
        ObjectNode d = disk(zone, last(src));
        ObjectNode s = JSON.createObjectNode()
                .put("kind", "compute#snapshot").put("id", Long.toString(ids.incrementAndGet()))
                .put("creationTimestamp", "2024-07-19T05:00:00.000-07:00").put("name", name)
                .put("status", "CREATING").put("sourceDisk", d.path("selfLink").asText())
                .put("sourceDiskId", d.path("id").asText()).put("diskSizeGb", d.path("sizeGb").asText())
                .put("storageBytes", "0").put("storageBytesStatus", "UPDATING")
                .put("selfLink", base + "projects/" + project + "/global/snapshots/" + name)
                .put("labelFingerprint", fp()).put("snapshotType", "STANDARD");
        s.set("licenses", d.path("licenses").isArray() ? d.get("licenses").deepCopy() : JSON.createArrayNode());
        s.set("guestOsFeatures", d.path("guestOsFeatures").isArray() ? d.get("guestOsFeatures").deepCopy() : JSON.createArrayNode());
        s.set("labels", body.path("labels").isObject() ? body.get("labels").deepCopy() : JSON.createObjectNode());
        if (d.has("diskEncryptionKey")) {
            s.putObject("sourceDiskEncryptionKey").put("kmsKeyName", d.path("diskEncryptionKey").path("kmsKeyName").asText());
            s.putObject("snapshotEncryptionKey").put("kmsKeyName", d.path("diskEncryptionKey").path("kmsKeyName").asText());
        }
        snapshots.put(name, s);
        event("insertSnapshot " + name + " of " + d.path("name").asText());
        return operation(null, "insert", s.path("selfLink").asText(), () -> { });
    }

    /** Is any disk of this instance READ_WRITE-attached elsewhere? Helper for assertions. */
    synchronized List<String> diskNames(String zone, String instance) {
        List<String> out = new ArrayList<>();
        for (JsonNode a : instance(zone, instance).path("disks")) {
            out.add(last(a.path("source").asText()) + "@" + a.path("deviceName").asText()
                    + (a.path("boot").asBoolean() ? ":boot" : "") + (a.path("autoDelete").asBoolean() ? ":autoDelete" : ""));
        }
        return out;
    }

    /** "instance/disk/sizeGb" of the disk attached under DEVICE anywhere, or "none". */
    synchronized String whereAttached(String device) {
        for (ObjectNode i : instances.values()) {
            ObjectNode a = byDevice(i, device);
            if (a != null) {
                return i.path("name").asText() + "/" + last(a.path("source").asText()) + "/" + a.path("diskSizeGb").asText();
            }
        }
        return "none";
    }

    static String zone(ObjectNode r) {
        return zoneOf(r);
    }
}
