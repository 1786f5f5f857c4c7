package io.bootmedic.massremediation.gcp;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Compute Engine v1 REST API on loopback, as far as gcloud uses it for the GCP route
 * (gcloud's api_endpoint_overrides/compute points here): routes each request to {@link ComputeState}
 * and answers in the API's JSON, errors included ({"error": {"code", "message", "errors": [...]}}).
 * POST /_test/event records what the stand-in for the worker-side run reports.
 */
final class ComputeEmulator implements AutoCloseable {
    private static final Pattern ZONAL = Pattern.compile(
            "/compute/v1/projects/([^/]+)/zones/([^/]+)/(instances|disks|operations)(?:/([^/]+))?(?:/([^/]+))?");
    private static final Pattern GLOBAL = Pattern.compile(
            "/compute/v1/projects/([^/]+)/global/(snapshots|operations)(?:/([^/]+))?(?:/([^/]+))?");
    private static final Pattern PROJECT = Pattern.compile("/compute/v1/projects/([^/]+)(?:/(setCommonInstanceMetadata))?");

    private final HttpServer server;
    final ComputeState state;
    /** "METHOD path" of every request, in order. */
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    ComputeEmulator(String project) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        state = new ComputeState(project, "http://127.0.0.1:" + server.getAddress().getPort() + "/compute/v1/");
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    /** The value for gcloud's api_endpoint_overrides/compute. */
    String endpoint() {
        return state.base;
    }

    int port() {
        return server.getAddress().getPort();
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
        requests.add(method + " " + path + (query.containsKey("deviceName") ? "?deviceName=" + query.get("deviceName") : ""));
        try {
            if (path.equals("/_test/event")) {
                String what = new String(raw, StandardCharsets.UTF_8).trim();
                if (what.startsWith("bootmedic-start ")) {
                    what += " attached=" + state.whereAttached(what.substring("bootmedic-start ".length()));
                }
                state.event(what);
                send(ex, 200, "{}");
                return;
            }
            JsonNode body = raw.length == 0 ? ComputeState.JSON.createObjectNode() : ComputeState.JSON.readTree(raw);
            JsonNode out = route(method, path, query, body);
            send(ex, 200, ComputeState.JSON.writeValueAsString(out));
        } catch (ComputeState.ApiError e) {
            ObjectNode err = ComputeState.JSON.createObjectNode();
            ObjectNode inner = err.putObject("error").put("code", e.status).put("message", e.getMessage());
            inner.putArray("errors").addObject().put("domain", "global").put("reason", e.reason).put("message", e.getMessage());
            send(ex, e.status, ComputeState.JSON.writeValueAsString(err));
        } catch (RuntimeException e) {
            send(ex, 500, "{\"error\":{\"code\":500,\"message\":\"emulator: " + e.toString().replace('"', '\'') + "\"}}");
        }
    }

    private JsonNode route(String method, String path, Map<String, String> q, JsonNode body) {
        ComputeState s = state;
        Matcher m = ZONAL.matcher(path);
        if (m.matches()) {
            check(m.group(1));
            String zone = m.group(2), kind = m.group(3), name = m.group(4), verb = m.group(5);
            switch (kind) {
                case "operations" -> {
                    return operation(name, verb);
                }
                case "instances" -> {
                    if (name == null) {
                        return list("compute#instanceList", zone, s.instances);
                    }
                    if (verb == null) {
                        return s.instance(zone, name);
                    }
                    failOnce(verb);
                    return switch (verb) {
                        case "stop" -> s.stop(zone, name);
                        case "start" -> s.start(zone, name);
                        case "attachDisk" -> s.attachDisk(zone, name, body);
                        case "detachDisk" -> s.detachDisk(zone, name, q.getOrDefault("deviceName", ""));
                        case "setDiskAutoDelete" -> s.setDiskAutoDelete(zone, name, q.getOrDefault("deviceName", ""),
                                Boolean.parseBoolean(q.getOrDefault("autoDelete", "false")));
                        case "setLabels" -> s.setLabels(zone, s.instance(zone, name), body);
                        case "getGuestAttributes" -> throw new ComputeState.ApiError(404, "notFound", "The resource 'guestAttributes' was not found");
                        default -> throw new ComputeState.ApiError(400, "badRequest", "emulator: no instances." + verb);
                    };
                }
                default -> { // disks
                    if (name == null && method.equals("POST")) {
                        return s.insertDisk(zone, body);
                    }
                    if (name != null && verb == null) {
                        return s.disk(zone, name);
                    }
                    if ("setLabels".equals(verb)) {
                        return s.setLabels(zone, s.disk(zone, name), body);
                    }
                    throw new ComputeState.ApiError(400, "badRequest", "emulator: no disks." + verb);
                }
            }
        }
        m = GLOBAL.matcher(path);
        if (m.matches()) {
            check(m.group(1));
            String kind = m.group(2), name = m.group(3);
            if (kind.equals("operations")) {
                return operation(name, m.group(4));
            }
            if (name == null && method.equals("POST")) {
                return s.insertSnapshot(body);
            }
            if (name == null) { // snapshots.list: each snapshot in progress moves on as with a get
                ObjectNode out = ComputeState.JSON.createObjectNode().put("kind", "compute#snapshotList")
                        .put("id", "projects/" + s.project + "/global/snapshots")
                        .put("selfLink", s.base + "projects/" + s.project + "/global/snapshots");
                var items = out.putArray("items");
                synchronized (s) {
                    for (String n : List.copyOf(s.snapshots.keySet())) {
                        items.add(s.readSnapshot(n));
                    }
                }
                return out;
            }
            if (name != null) {
                return s.readSnapshot(name);
            }
            throw new ComputeState.ApiError(400, "badRequest", "emulator: no snapshots." + method);
        }
        m = PROJECT.matcher(path);
        if (m.matches()) {
            check(m.group(1));
            return m.group(2) == null ? s.projectResource : s.setCommonInstanceMetadata(body);
        }
        throw new ComputeState.ApiError(404, "notFound", "emulator: no route for " + method + " " + path);
    }

    /** operations.get moves one step; operations.wait returns when the operation is DONE (the API waits up to 2 minutes). */
    private JsonNode operation(String name, String verb) {
        ObjectNode op = state.advance(name);
        while ("wait".equals(verb) && !op.path("status").asText().equals("DONE")) {
            op = state.advance(name);
        }
        return op;
    }

    private void failOnce(String verb) {
        if (state.failOnce.remove(verb)) {
            throw new ComputeState.ApiError(503, "backendError", "emulator: " + verb + " failed once (test)");
        }
    }

    private void check(String project) {
        if (!project.equals(state.project)) {
            throw new ComputeState.ApiError(404, "notFound", "The resource 'projects/" + project + "' was not found");
        }
    }

    private ObjectNode list(String kind, String zone, Map<String, ObjectNode> all) {
        ObjectNode out = ComputeState.JSON.createObjectNode().put("kind", kind).put("id", "projects/" + state.project + "/zones/" + zone)
                .put("selfLink", state.zoneUrl(zone) + "/instances");
        var items = out.putArray("items");
        synchronized (state) {
            all.forEach((k, v) -> {
                if (k.startsWith(zone + "/")) {
                    items.add(v);
                }
            });
        }
        return out;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    q.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }
}
