package io.bootmedic.cloud.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Compute Engine v1 REST API on loopback, as the Java client library calls it: routes each request to
 * {@link ComputeState} and answers in the API's JSON, errors included. Strict where the service is: a request body with
 * a member the resource does not have is refused (400 "Unknown name"), list results come in pages (nextPageToken, a
 * stale token refused), a filter it does not understand is refused, and it answers "rate limit exceeded" when told to.
 * POST /_test/fix?worker=W&device=D is the stand-in bootmedic on the worker.
 */
final class ComputeEmulator implements AutoCloseable {
    private static final Pattern ZONAL = Pattern.compile("/compute/v1/projects/([^/]+)/zones/([^/]+)/(instances|disks|operations)(?:/([^/]+))?(?:/([^/]+))?");
    private static final Pattern GLOBAL = Pattern.compile("/compute/v1/projects/([^/]+)/global/(snapshots|operations)(?:/([^/]+))?");
    private static final Pattern FILTER = Pattern.compile("([a-zA-Z.]+) = \"([^\"]*)\"");
    /** Members of the request bodies the route sends (Compute v1 reference: AttachedDisk, Disk, Snapshot, InstancesSetLabelsRequest). */
    private static final Set<String> ATTACHED_DISK = Set.of("source", "deviceName", "mode", "autoDelete", "boot", "interface", "type", "diskEncryptionKey");
    private static final Set<String> DISK = Set.of("name", "sourceSnapshot", "type", "sizeGb", "guestOsFeatures", "labels", "provisionedIops",
            "provisionedThroughput", "diskEncryptionKey", "description", "licenses", "licenseCodes", "architecture");
    private static final Set<String> SNAPSHOT = Set.of("name", "sourceDisk", "labels", "snapshotEncryptionKey", "sourceDiskEncryptionKey",
            "description", "storageLocations");
    private static final Set<String> SET_LABELS = Set.of("labels", "labelFingerprint");
    private static final Set<String> KEY = Set.of("kmsKeyName", "kmsKeyServiceAccount", "rawKey", "rsaEncryptedKey");
    private static final Set<String> FEATURE = Set.of("type");

    private final HttpServer server;
    final ComputeState state;
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    ComputeEmulator(String project) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        state = new ComputeState(project);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        byte[] raw = ex.getRequestBody().readAllBytes();
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        try {
            if (path.equals("/_test/fix")) {
                send(ex, 200, state.fix(query.get("worker"), query.get("device")), "text/plain");
                return;
            }
            requests.add(method + " " + path);
            synchronized (state) {
                boolean every = state.throttleEvery > 0 && ++state.requestCount % state.throttleEvery == 0;
                if (state.throttleNext > 0 || every) {
                    state.throttleNext = Math.max(0, state.throttleNext - 1);
                    state.throttled.add(method + " " + path);
                    throw state.throttleStatus == 429 && !every ? new ComputeState.ApiError(429, "rateLimitExceeded", "Quota exceeded (emulated 429)")
                            : new ComputeState.ApiError(403, "rateLimitExceeded", "Rate Limit Exceeded (emulated)");
                }
                state.tick();
            }
            JsonNode body = raw.length == 0 ? ComputeState.JSON.createObjectNode() : ComputeState.JSON.readTree(raw);
            JsonNode out = route(method, path, query, body);
            send(ex, 200, ComputeState.JSON.writeValueAsString(out), "application/json; charset=UTF-8");
        } catch (ComputeState.ApiError e) {
            ObjectNode err = ComputeState.JSON.createObjectNode();
            ObjectNode inner = err.putObject("error").put("code", e.status).put("message", e.getMessage());
            inner.putArray("errors").addObject().put("domain", "global").put("reason", e.reason).put("message", e.getMessage());
            send(ex, e.status, ComputeState.JSON.writeValueAsString(err), "application/json; charset=UTF-8");
        } catch (RuntimeException e) {
            send(ex, 500, "{\"error\":{\"code\":500,\"message\":\"emulator: " + e.toString().replace('"', '\'') + "\"}}", "application/json");
        }
    }

    private JsonNode route(String method, String path, Map<String, String> q, JsonNode body) {
        ComputeState s = state;
        Matcher m = ZONAL.matcher(path);
        if (m.matches()) {
            project(m.group(1));
            String zone = m.group(2), kind = m.group(3), name = m.group(4), verb = m.group(5);
            synchronized (s) {
                switch (kind) {
                    case "operations" -> {
                        if (name == null) {
                            return page("compute#operationList", q, s.operations.values().stream().filter(o -> o.path("zone").asText().endsWith("/zones/" + zone)).toList());
                        }
                        return op(name);
                    }
                    case "instances" -> {
                        if (name == null && method.equals("GET")) {
                            return page("compute#instanceList", q, s.instances.values().stream().filter(i -> i.path("zone").asText().endsWith("/zones/" + zone)).toList());
                        }
                        if (verb == null && method.equals("GET")) {
                            return s.instance(zone, name).deepCopy();
                        }
                        return switch (verb == null ? "" : verb) {
                            case "stop" -> s.stop(zone, name, Boolean.parseBoolean(q.getOrDefault("discardLocalSsd", "false")));
                            case "start" -> s.start(zone, name);
                            case "attachDisk" -> s.attachDisk(zone, name, strict(body, ATTACHED_DISK, "AttachedDisk"));
                            case "detachDisk" -> s.detachDisk(zone, name, q.getOrDefault("deviceName", ""));
                            case "setLabels" -> s.setLabels(zone, s.instance(zone, name), strict(body, SET_LABELS, "InstancesSetLabelsRequest"));
                            default -> throw new ComputeState.ApiError(400, "badRequest", "emulator: no instances." + verb);
                        };
                    }
                    default -> {
                        if (name == null && method.equals("POST")) {
                            return s.insertDisk(zone, strict(body, DISK, "Disk"));
                        }
                        if (name != null && verb == null && method.equals("GET")) {
                            return s.disk(zone, name).deepCopy();
                        }
                        if (name != null && verb == null && method.equals("DELETE")) {
                            return s.deleteDisk(zone, name);
                        }
                        throw new ComputeState.ApiError(400, "badRequest", "emulator: no disks." + verb);
                    }
                }
            }
        }
        m = GLOBAL.matcher(path);
        if (m.matches()) {
            project(m.group(1));
            String kind = m.group(2), name = m.group(3);
            synchronized (s) {
                if (kind.equals("operations")) {
                    return name == null ? page("compute#operationList", q, s.operations.values().stream().filter(o -> !o.has("zone")).toList()) : op(name);
                }
                if (name == null && method.equals("POST")) {
                    return s.insertSnapshot(strict(body, SNAPSHOT, "Snapshot"));
                }
                if (name != null && method.equals("GET")) {
                    return s.snapshot(name).deepCopy();
                }
            }
            throw new ComputeState.ApiError(400, "badRequest", "emulator: no snapshots." + method);
        }
        throw new ComputeState.ApiError(404, "notFound", "emulator: no route for " + method + " " + path);
    }

    private JsonNode op(String name) {
        ObjectNode op = state.operations.get(name);
        if (op == null) {
            throw new ComputeState.ApiError(404, "notFound", "The resource 'operations/" + name + "' was not found");
        }
        return op.deepCopy();
    }

    /** The API refuses a body member its resource does not have; nested keys and features are checked too. */
    private static JsonNode strict(JsonNode body, Set<String> known, String type) {
        body.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                throw new ComputeState.ApiError(400, "invalid", "Invalid JSON payload received. Unknown name \"" + f + "\" at '" + type + "': Cannot find field.");
            }
        });
        for (String k : List.of("diskEncryptionKey", "snapshotEncryptionKey")) {
            if (body.has(k)) {
                strict(body.get(k), KEY, "CustomerEncryptionKey");
            }
        }
        for (JsonNode f : body.path("guestOsFeatures")) {
            strict(f, FEATURE, "GuestOsFeature");
        }
        return body;
    }

    /** A list in pages of {@code pageSize}, filtered by one "field = \"value\"" term (labels.KEY or a top-level field). */
    private ObjectNode page(String kind, Map<String, String> q, List<ObjectNode> all) {
        List<ObjectNode> items = all;
        String filter = q.get("filter");
        if (filter != null && !filter.isEmpty()) {
            Matcher f = FILTER.matcher(filter);
            if (!f.matches()) {
                throw new ComputeState.ApiError(400, "invalid", "Invalid value for field 'filter': '" + filter + "'. Invalid list filter expression.");
            }
            String field = f.group(1), value = f.group(2);
            Predicate<ObjectNode> p = field.startsWith("labels.") ? i -> value.equals(i.path("labels").path(field.substring(7)).asText(null))
                    : i -> value.equals(i.path(field).asText(null));
            items = all.stream().filter(p).toList();
        }
        int start = 0;
        String token = q.get("pageToken");
        if (token != null && !token.isEmpty()) {
            if (!token.startsWith("page-")) {
                throw new ComputeState.ApiError(400, "invalid", "Invalid value for field 'pageToken': '" + token + "'.");
            }
            start = Integer.parseInt(token.substring(5));
            if (start > items.size()) {
                throw new ComputeState.ApiError(400, "invalid", "Invalid value for field 'pageToken': '" + token + "'. The page token has expired.");
            }
        }
        int size = Math.min(state.pageSize, q.containsKey("maxResults") ? Integer.parseInt(q.get("maxResults")) : 500);
        ObjectNode out = ComputeState.JSON.createObjectNode().put("kind", kind).put("id", "emulated");
        ArrayNode arr = out.putArray("items");
        for (int k = start; k < Math.min(items.size(), start + size); k++) {
            arr.add(items.get(k).deepCopy());
        }
        if (start + size < items.size()) {
            out.put("nextPageToken", "page-" + (start + size));
        }
        return out;
    }

    private void project(String p) {
        if (!p.equals(state.project)) {
            throw new ComputeState.ApiError(404, "notFound", "The resource 'projects/" + p + "' was not found");
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    q.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    private static void send(HttpExchange ex, int status, String text, String type) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }
}
