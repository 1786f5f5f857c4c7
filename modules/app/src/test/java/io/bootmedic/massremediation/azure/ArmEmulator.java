package io.bootmedic.massremediation.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import static io.bootmedic.massremediation.azure.ComputeState.JSON;
import static io.bootmedic.massremediation.azure.ComputeState.key;

/**
 * Azure Resource Manager and the token endpoint on loopback (HTTPS), as far as the real 'az' 2.45
 * uses them for scripts/azure/remediate.sh:
 * <ul>
 * <li>ADFS-style authority (/adfs/.well-known/openid-configuration, /adfs/oauth2/token): MSAL does
 *   no instance discovery for ADFS authorities, so no call leaves the machine.</li>
 * <li>subscriptions and tenants lists (az login), virtual machines (GET/PUT/list, deallocate, start,
 *   runCommand), disks and snapshots (GET/PUT/PATCH/list), long-running operations: each write answers
 *   with Azure-AsyncOperation (and for POSTs Location) and completes after {@link #pollsPerOperation}
 *   status polls; the resource shows provisioningState Updating/Creating until then.</li>
 * <li>Run Command as Azure documents it: one script at a time per VM, a second gets 409 Conflict;
 *   the "worker" side is {@link WorkerSimulator}.</li>
 * <li>403 AuthorizationFailed for requests matching {@link #forbid}.</li>
 * </ul>
 * Every request is logged (method, path, api-version) for the tests.
 */
final class ArmEmulator implements AutoCloseable {
    private static final Pattern RES = Pattern.compile(
            "/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/microsoft\\.compute/(virtualmachines|disks|snapshots)(?:/([^/]+))?(?:/([^/]+))?(?:/([^/]+))?",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern GENERIC_LIST = Pattern.compile("/subscriptions/([^/]+)(?:/resourcegroups/([^/]+))?/resources", Pattern.CASE_INSENSITIVE);
    private static final Pattern RESOURCE_GROUP = Pattern.compile("/subscriptions/[^/]+/resourcegroups/([^/]+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern OP = Pattern.compile("/subscriptions/[^/]+/providers/microsoft\\.compute/locations/([^/]+)/operations/([^/]+)",
            Pattern.CASE_INSENSITIVE);

    final ComputeState state = new ComputeState();
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    final Map<String, Operation> operations = new ConcurrentHashMap<>();
    /** VM id -> the run command currently executing there. */
    final Map<String, Operation> runningCommands = new ConcurrentHashMap<>();
    final List<Predicate<String>> forbidden = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile int pollsPerOperation = 1;
    /** An operation also completes on its own this long after it started (ARM does not wait for anyone to poll). */
    volatile long operationMillis = 300;
    /** GETs of a new incremental snapshot that still show its background copy running (completionPercent < 100). */
    volatile int snapshotCopyGets = 0;
    /** New managed run commands run until a PUT of the same run command is refused with 409 (an interrupted repair still going when it is resumed). */
    volatile boolean runCommandsRunUntilRetried = false;
    volatile WorkerSimulator worker = WorkerSimulator.fixesTheDiskAtItsLun();
    private final HttpsServer server;
    final String base;

    /** A long-running operation; done once it has been polled enough (or its deadline passed, for run commands). */
    static final class Operation {
        final String id = UUID.randomUUID().toString();
        final String location;
        volatile int pollsLeft;
        volatile long doneAtMillis;
        volatile Runnable onDone;
        volatile String status = "InProgress";
        volatile JsonNode result;
        volatile JsonNode error;

        Operation(String location, int polls, long doneAt) {
            this.location = location;
            this.pollsLeft = polls;
            this.doneAtMillis = doneAt;
        }
    }

    ArmEmulator(KeyStore tls, char[] password) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(tls, password);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setHttpsConfigurator(new HttpsConfigurator(ssl));
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "arm-emulator");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
        base = "https://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Requests whose "METHOD path" (path lower-case) contains {@code fragment} get 403 AuthorizationFailed. */
    ArmEmulator forbid(String fragment) {
        String f = fragment.toLowerCase(Locale.ROOT);
        forbidden.add(s -> s.contains(f));
        return this;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // ---- HTTP ---------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            Map<String, String> query = query(ex.getRequestURI().getRawQuery());
            String method = ex.getRequestMethod();
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            requests.add(method + " " + path + (query.containsKey("api-version") ? "?api-version=" + query.get("api-version") : ""));
            Reply r;
            operations.values().forEach(this::advanceIfDue);
            try {
                r = route(method, path, query, body, ex);
            } catch (ArmError e) {
                r = Reply.error(e.status, e.code, e.getMessage());
            } catch (RuntimeException e) {
                e.printStackTrace();
                r = Reply.error(500, "InternalServerError", String.valueOf(e));
            }
            byte[] out = r.body == null ? new byte[0] : JSON.writeValueAsBytes(r.body);
            ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            ex.getResponseHeaders().set("x-ms-request-id", UUID.randomUUID().toString());
            r.headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            ex.sendResponseHeaders(r.status, out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                ex.getResponseBody().write(out);
            }
        }
    }

    static final class ArmError extends RuntimeException {
        final int status;
        final String code;

        ArmError(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    static final class Reply {
        final int status;
        final JsonNode body;
        final Map<String, String> headers = new LinkedHashMap<>();

        Reply(int status, JsonNode body) {
            this.status = status;
            this.body = body;
        }

        static Reply error(int status, String code, String message) {
            ObjectNode b = JSON.createObjectNode();
            b.putObject("error").put("code", code).put("message", message);
            return new Reply(status, b);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null) {
            return m;
        }
        for (String kv : raw.split("&")) {
            int i = kv.indexOf('=');
            String k = URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8);
            m.put(k, i < 0 ? "" : URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
        }
        return m;
    }

    private Reply route(String method, String path, Map<String, String> q, byte[] body, HttpExchange ex) throws IOException {
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.startsWith("/adfs/")) {
            return auth(lower, body);
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ")) {
            return Reply.error(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
        }
        String line = (method + " " + path).toLowerCase(Locale.ROOT);
        for (Predicate<String> f : forbidden) {
            if (f.test(line)) {
                throw new ArmError(403, "AuthorizationFailed", "The client 'bm-sp' with object id '" + ComputeState.TENANT
                        + "' does not have authorization to perform action over scope '" + path + "' or the scope is invalid.");
            }
        }
        if (lower.equals("/subscriptions")) {
            ObjectNode r = JSON.createObjectNode();
            r.putArray("value").add(subscription());
            return new Reply(200, r);
        }
        if (lower.equals("/subscriptions/" + ComputeState.SUB)) {
            return new Reply(200, subscription());
        }
        if (lower.equals("/tenants")) {
            ObjectNode r = JSON.createObjectNode();
            r.putArray("value").addObject().put("id", "/tenants/" + ComputeState.TENANT).put("tenantId", ComputeState.TENANT);
            return new Reply(200, r);
        }
        Matcher op = OP.matcher(path);
        if (op.matches() && method.equals("GET")) {
            return operationStatus(op.group(2), q.containsKey("monitor"));
        }
        if (lower.equals("/subscriptions/" + ComputeState.SUB + "/providers/microsoft.compute/virtualmachines") && method.equals("GET")) {
            return list(state.vms, null);
        }
        if (lower.endsWith("/providers/microsoft.resources/tags/default")) {
            return tags(path.substring(0, lower.indexOf("/providers/microsoft.resources/tags/default")), method, body);
        }
        Matcher group = RESOURCE_GROUP.matcher(path);
        if (group.matches() && method.equals("GET")) {
            String prefix = lower + "/";
            boolean exists = java.util.stream.Stream.of(state.vms, state.disks, state.snapshots)
                    .anyMatch(m -> m.keySet().stream().anyMatch(k -> k.startsWith(prefix)));
            if (!exists) {
                throw new ArmError(404, "ResourceGroupNotFound", "Resource group '" + group.group(1) + "' could not be found.");
            }
            ObjectNode g = JSON.createObjectNode();
            g.put("id", "/subscriptions/" + ComputeState.SUB + "/resourceGroups/" + group.group(1)).put("name", group.group(1))
                    .put("type", "Microsoft.Resources/resourceGroups").put("location", "westeurope");
            g.putObject("properties").put("provisioningState", "Succeeded");
            return new Reply(200, g);
        }
        Matcher gr = GENERIC_LIST.matcher(path);
        if (gr.matches() && method.equals("GET")) {
            return genericList(gr.group(2), q.getOrDefault("$filter", ""));
        }
        Matcher m = RES.matcher(path);
        if (!m.matches()) {
            throw new ArmError(404, "NotFound", "no such API in the emulator: " + method + " " + path);
        }
        String rg = m.group(2), type = m.group(3).toLowerCase(Locale.ROOT), name = m.group(4), action = m.group(5);
        ObjectNode in = body.length == 0 ? null : (ObjectNode) JSON.readTree(body);
        return switch (type) {
            case "virtualmachines" -> m.group(6) != null ? new RunCommandApi(this).handle(method, rg, name, m.group(5), m.group(6), in, q)
                    : new VmApi(this).handle(method, rg, name, action, in, q);
            case "disks" -> new DiskApi(this, "disks").handle(method, rg, name, in);
            default -> new DiskApi(this, "snapshots").handle(method, rg, name, in);
        };
    }

    /** GET /subscriptions/S[/resourceGroups/G]/resources with $filter=resourceType eq '...' (what 'az resource list' sends). */
    private Reply genericList(String rg, String filter) {
        Matcher t = Pattern.compile("resourceType eq '([^']+)'", Pattern.CASE_INSENSITIVE).matcher(filter);
        String type = t.find() ? t.group(1).toLowerCase(Locale.ROOT) : null;
        if (filter.toLowerCase(Locale.ROOT).contains("tagname")) {
            throw new ArmError(400, "InvalidFilterInQueryString", "the emulator does not filter by tag here");
        }
        ObjectNode r = JSON.createObjectNode();
        ArrayNode v = r.putArray("value");
        Matcher inGroup = Pattern.compile("resourceGroup eq '([^']+)'", Pattern.CASE_INSENSITIVE).matcher(filter);
        if (rg == null && inGroup.find()) {
            rg = inGroup.group(1);
        }
        String prefix = rg == null ? "" : ("/subscriptions/" + ComputeState.SUB + "/resourcegroups/" + rg + "/").toLowerCase(Locale.ROOT);
        java.util.TreeMap<String, ObjectNode> all = new java.util.TreeMap<>();
        all.putAll(state.vms);
        all.putAll(state.disks);
        all.putAll(state.snapshots);
        all.forEach((k, res) -> {
            if (k.startsWith(prefix) && (type == null || res.get("type").asText().equalsIgnoreCase(type))) {
                ObjectNode item = v.addObject();
                for (String f : List.of("id", "name", "type", "location", "tags", "zones", "managedBy")) {
                    if (res.has(f)) {
                        item.set(f, res.get(f).deepCopy());
                    }
                }
            }
        });
        return new Reply(200, r);
    }

    /** Microsoft.Resources/tags at a resource's scope: PATCH with Merge/Replace/Delete ('az tag update'), GET. */
    private Reply tags(String scope, String method, byte[] body) throws IOException {
        ObjectNode res = state.vms.get(key(scope));
        if (res == null) {
            res = state.disks.get(key(scope));
        }
        if (res == null) {
            throw new ArmError(404, "ResourceNotFound", scope);
        }
        ObjectNode tags = res.has("tags") && res.get("tags").isObject() ? (ObjectNode) res.get("tags") : res.putObject("tags");
        if (method.equals("PATCH")) {
            JsonNode in = JSON.readTree(body);
            String op = in.path("operation").asText();
            JsonNode given = in.at("/properties/tags");
            switch (op.toLowerCase(Locale.ROOT)) {
                case "merge" -> given.fields().forEachRemaining(e -> tags.set(e.getKey(), e.getValue()));
                case "replace" -> {
                    tags.removeAll();
                    given.fields().forEachRemaining(e -> tags.set(e.getKey(), e.getValue()));
                }
                case "delete" -> given.fields().forEachRemaining(e -> {
                    if (tags.path(e.getKey()).asText().equals(e.getValue().asText())) {
                        tags.remove(e.getKey());
                    }
                });
                default -> throw new ArmError(400, "InvalidRequestContent", "operation " + op);
            }
        }
        ObjectNode r = JSON.createObjectNode();
        r.put("id", scope + "/providers/Microsoft.Resources/tags/default").put("name", "default").put("type", "Microsoft.Resources/tags");
        r.putObject("properties").set("tags", tags.deepCopy());
        return new Reply(200, r);
    }

    private static ObjectNode subscription() {
        ObjectNode s = JSON.createObjectNode();
        s.put("id", "/subscriptions/" + ComputeState.SUB).put("subscriptionId", ComputeState.SUB).put("tenantId", ComputeState.TENANT)
                .put("displayName", "bootmedic-test").put("state", "Enabled");
        s.putObject("subscriptionPolicies").put("locationPlacementId", "Public_2014-09-01").put("quotaId", "PayAsYouGo_2014-09-01")
                .put("spendingLimit", "Off");
        s.put("authorizationSource", "RoleBased");
        return s;
    }

    Reply list(Map<String, ObjectNode> from, String rg) {
        ObjectNode r = JSON.createObjectNode();
        ArrayNode v = r.putArray("value");
        String prefix = rg == null ? null : ("/subscriptions/" + ComputeState.SUB + "/resourcegroups/" + rg + "/").toLowerCase(Locale.ROOT);
        from.entrySet().stream().filter(e -> prefix == null || e.getKey().startsWith(prefix)).sorted(Map.Entry.comparingByKey())
                .forEach(e -> v.add(e.getValue().deepCopy()));
        return new Reply(200, r);
    }

    private Reply auth(String path, byte[] body) {
        if (path.endsWith("/.well-known/openid-configuration")) {
            ObjectNode c = JSON.createObjectNode();
            c.put("issuer", base + "/adfs").put("authorization_endpoint", base + "/adfs/oauth2/authorize")
                    .put("token_endpoint", base + "/adfs/oauth2/token").put("device_authorization_endpoint", base + "/adfs/oauth2/devicecode");
            return new Reply(200, c);
        }
        if (path.endsWith("/oauth2/token")) {
            String form = new String(body, StandardCharsets.UTF_8);
            if (!form.contains("grant_type=client_credentials") || !form.contains("client_secret=")) {
                return new Reply(400, JSON.createObjectNode().put("error", "invalid_request").put("error_description", "client credentials expected"));
            }
            ObjectNode t = JSON.createObjectNode();
            t.put("token_type", "Bearer").put("expires_in", 3600).put("ext_expires_in", 3600).put("access_token", accessToken());
            return new Reply(200, t);
        }
        return Reply.error(404, "NotFound", path);
    }

    /** An unsigned JWT with the claims az reads (tid, oid, appid); nothing here checks its signature. */
    private static String accessToken() {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        long now = System.currentTimeMillis() / 1000;
        String header = b.encodeToString("{\"typ\":\"JWT\",\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
        String claims = b.encodeToString(("{\"aud\":\"https://management.core.windows.net/\",\"tid\":\"" + ComputeState.TENANT
                + "\",\"oid\":\"11111111-2222-3333-4444-555555555555\",\"appid\":\"bm-sp\",\"iat\":" + now + ",\"nbf\":" + now
                + ",\"exp\":" + (now + 3600) + "}").getBytes(StandardCharsets.UTF_8));
        return header + "." + claims + ".";
    }

    // ---- long-running operations ----------------------------------------------------------------

    Operation startOperation(String location, Runnable onDone) {
        Operation o = new Operation(location, pollsPerOperation, System.currentTimeMillis() + operationMillis);
        o.onDone = onDone;
        operations.put(o.id, o);
        return o;
    }

    String operationUrl(Operation o, String apiVersion) {
        return base + "/subscriptions/" + ComputeState.SUB + "/providers/Microsoft.Compute/locations/" + o.location + "/operations/" + o.id
                + "?api-version=" + apiVersion;
    }

    /** 202/200/201 with the headers az's ARM poller follows; polls are cheap (x-ms-retry-after-ms). */
    Reply accepted(int status, JsonNode body, Operation o, String apiVersion, boolean withLocation) {
        Reply r = new Reply(status, body);
        r.headers.put("Azure-AsyncOperation", operationUrl(o, apiVersion));
        if (withLocation) {
            r.headers.put("Location", operationUrl(o, apiVersion) + "&monitor=true");
        }
        r.headers.put("x-ms-retry-after-ms", "100");
        return r;
    }

    private void advanceIfDue(Operation o) {
        if (o.status.equals("InProgress") && System.currentTimeMillis() >= o.doneAtMillis) {
            advance(o);
        }
    }

    private synchronized void advance(Operation o) {
        if (!o.status.equals("InProgress")) {
            return;
        }
        boolean done = System.currentTimeMillis() >= o.doneAtMillis || --o.pollsLeft < 0;
        if (done) {
            try {
                if (o.onDone != null) {
                    o.onDone.run();
                }
                o.status = o.error == null ? "Succeeded" : "Failed";
            } catch (ArmError e) {
                o.status = "Failed";
                o.error = JSON.createObjectNode().put("code", e.code).put("message", e.getMessage());
            }
        }
    }

    private Reply operationStatus(String id, boolean monitor) {
        Operation o = operations.get(id);
        if (o == null) {
            throw new ArmError(404, "NotFound", "operation " + id);
        }
        advance(o);
        if (monitor) { // the Location URL: 202 until done, then the operation's result
            if (o.status.equals("InProgress")) {
                Reply r = new Reply(202, null);
                r.headers.put("Location", base + "/subscriptions/" + ComputeState.SUB + "/providers/Microsoft.Compute/locations/" + o.location
                        + "/operations/" + o.id + "?monitor=true&api-version=2022-08-01");
                r.headers.put("x-ms-retry-after-ms", "100");
                return r;
            }
            return o.result == null ? new Reply(204, null) : new Reply(200, o.result);
        }
        ObjectNode s = JSON.createObjectNode();
        s.put("name", o.id).put("status", o.status).put("startTime", "2024-07-19T06:00:00+00:00");
        if (!o.status.equals("InProgress")) {
            s.put("endTime", "2024-07-19T06:01:00+00:00");
        }
        if (o.error != null) {
            s.set("error", o.error);
        }
        if (o.result != null && o.status.equals("Succeeded")) {
            s.putObject("properties").set("output", o.result);
        }
        Reply r = new Reply(200, s);
        if (o.status.equals("InProgress")) {
            r.headers.put("x-ms-retry-after-ms", "100");
        }
        return r;
    }

    static Iterable<JsonNode> iterable(JsonNode n) {
        return () -> n == null ? Collections.emptyIterator() : n.elements();
    }
}
