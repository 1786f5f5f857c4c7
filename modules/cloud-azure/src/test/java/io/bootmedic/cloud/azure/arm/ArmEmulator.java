package io.bootmedic.cloud.azure.arm;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import static io.bootmedic.cloud.azure.arm.ArmState.JSON;

/**
 * Azure Resource Manager for Microsoft.Compute on loopback (HTTPS), as strict as ARM where the adapter could go wrong:
 * <ul>
 * <li>a bearer token on every request (401 without), registered api-versions only (400 NoRegisteredProviderFound);</li>
 * <li>request bodies checked against the api-version's members ({@link Schemas}: 400 InvalidRequestContent);</li>
 * <li>names over 80 characters refused; a PUT with If-None-Match: * on a taken name refused (412);</li>
 * <li>lists paged two at a time with nextLink tokens the emulator issued (any other token: 400);</li>
 * <li>writes answered 201/202 with Azure-AsyncOperation (and Location for POSTs); the operation ends on its own after
 * {@link #operationMillis}, and may end Failed ({@link #failAsync}) with the resource left as ARM leaves it;</li>
 * <li>faults on request: 429 with Retry-After, 500, and a connection dropped before or after the request was applied.</li>
 * </ul>
 * Every request is recorded with its body.
 */
public final class ArmEmulator implements AutoCloseable {
    public static final String TOKEN = "emulator-token";

    static {
        // small answers on a kept-alive connection: without TCP_NODELAY each waits for the client's delayed ACK (~40 ms)
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    static final Set<String> VM_VERSIONS = Set.of("2022-08-01", "2025-04-01");
    static final Set<String> DISK_VERSIONS = Set.of("2025-01-02");
    private static final Pattern RES = Pattern.compile("/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/microsoft\\.compute/(virtualmachines|disks|snapshots)"
            + "(?:/([^/]+))?(?:/([^/]+))?(?:/([^/]+))?", Pattern.CASE_INSENSITIVE);
    private static final Pattern ALL_VMS = Pattern.compile("/subscriptions/([^/]+)/providers/microsoft\\.compute/virtualmachines", Pattern.CASE_INSENSITIVE);
    private static final Pattern OP = Pattern.compile("/subscriptions/[^/]+/providers/microsoft\\.compute/locations/([^/]+)/operations/([^/]+)",
            Pattern.CASE_INSENSITIVE);

    public record Request(String method, String path, String apiVersion, String body) {
        public boolean is(String m, String fragment) {
            return method.equals(m) && path.toLowerCase(Locale.ROOT).contains(fragment.toLowerCase(Locale.ROOT));
        }
    }

    /** A fault for the next {@code times} requests whose "METHOD path" matches. */
    private static final class Fault {
        final String method;
        final String fragment;
        final String kind;
        volatile int times;
        final int retryAfter;

        Fault(String method, String fragment, String kind, int times, int retryAfter) {
            this.method = method;
            this.fragment = fragment.toLowerCase(Locale.ROOT);
            this.kind = kind;
            this.times = times;
            this.retryAfter = retryAfter;
        }

        synchronized boolean take(String m, String path) {
            if (times > 0 && m.equals(method) && path.toLowerCase(Locale.ROOT).contains(fragment)) {
                times--;
                return true;
            }
            return false;
        }
    }

    /** A long-running operation: ends on its own at {@code doneAt}; {@code effect} applies it, {@code failure} makes it end Failed. */
    static final class Operation {
        final String id = UUID.randomUUID().toString();
        final String location;
        final long doneAt;
        final Runnable effect;
        volatile String status = "InProgress";
        volatile ArmError failure;
        volatile Runnable onFailure;

        Operation(String location, long doneAt, Runnable effect) {
            this.location = location;
            this.doneAt = doneAt;
            this.effect = effect;
        }
    }

    public final ArmState state = new ArmState();
    public final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    public final WorkerSim workers = new WorkerSim(state);
    /** How long an accepted write takes before ARM shows it done. */
    public volatile long operationMillis = 150;
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final List<ArmError> asyncFailures = new CopyOnWriteArrayList<>();
    private final List<String> asyncFailureFragments = new CopyOnWriteArrayList<>();
    final Map<String, Operation> operations = new ConcurrentHashMap<>();
    private final Map<String, List<JsonNode>> pages = new ConcurrentHashMap<>();
    private final HttpsServer server;
    public final String base;
    final VmApi vmApi;
    final DiskApi diskApi;
    final RunCommandApi runCommandApi;

    public ArmEmulator() throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(TestTls.keyStore(), TestTls.PASSWORD);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 64);
        server.setHttpsConfigurator(new HttpsConfigurator(ssl));
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "arm-emulator");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
        base = "https://127.0.0.1:" + server.getAddress().getPort();
        vmApi = new VmApi(this);
        diskApi = new DiskApi(this);
        runCommandApi = new RunCommandApi(this);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // ---- faults ------------------------------------------------------------------------------------

    /** 429 TooManyRequests with Retry-After for the next {@code times} matching requests. */
    public ArmEmulator throttle(String method, String fragment, int times, int retryAfterSeconds) {
        faults.add(new Fault(method, fragment, "throttle", times, retryAfterSeconds));
        return this;
    }

    public ArmEmulator fail500(String method, String fragment, int times) {
        faults.add(new Fault(method, fragment, "500", times, 0));
        return this;
    }

    /** The connection is closed without an answer, before the request is applied. */
    public ArmEmulator dropBefore(String method, String fragment, int times) {
        faults.add(new Fault(method, fragment, "drop-before", times, 0));
        return this;
    }

    /** The request is applied, then the connection is closed without an answer (a write whose answer is lost). */
    public ArmEmulator dropAfter(String method, String fragment, int times) {
        faults.add(new Fault(method, fragment, "drop-after", times, 0));
        return this;
    }

    /** The next {@code method} whose path ends with {@code suffix} is accepted, and its operation then ends Failed with this error. */
    public ArmEmulator failAsync(String method, String suffix, String code, String message) {
        asyncFailureFragments.add((method + " ").toLowerCase(Locale.ROOT) + "|" + suffix.toLowerCase(Locale.ROOT));
        asyncFailures.add(new ArmError(200, code, message));
        return this;
    }

    synchronized ArmError takeAsyncFailure(String methodAndPath) {
        String mp = methodAndPath.toLowerCase(Locale.ROOT);
        for (int i = 0; i < asyncFailureFragments.size(); i++) {
            String[] f = asyncFailureFragments.get(i).split("\\|", 2);
            if (mp.startsWith(f[0]) && mp.endsWith(f[1])) {
                asyncFailureFragments.remove(i);
                return asyncFailures.remove(i);
            }
        }
        return null;
    }

    public RunCommandApi runCommandApi() {
        return runCommandApi;
    }

    public List<Request> requests(String method, String fragment) {
        synchronized (requests) {
            return requests.stream().filter(r -> r.is(method, fragment)).toList();
        }
    }

    // ---- HTTP ------------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        String method = ex.getRequestMethod();
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        requests.add(new Request(method, path, q.get("api-version"), new String(body, StandardCharsets.UTF_8)));
        String fault = null;
        int retryAfter = 0;
        for (Fault f : faults) {
            if (f.take(method, path)) {
                fault = f.kind;
                retryAfter = f.retryAfter;
                break;
            }
        }
        if ("drop-before".equals(fault)) {
            ex.close(); // no status line: the client sees the connection end
            return;
        }
        Reply r;
        if ("throttle".equals(fault)) {
            r = Reply.error(429, "TooManyRequests", "The request is being throttled as the limit has been reached for operation type - Read_30Min. "
                    + "For more information, see - https://aka.ms/throttling");
            r.headers.put("Retry-After", Integer.toString(retryAfter));
        } else if ("500".equals(fault)) {
            r = Reply.error(500, "InternalServerError", "An internal execution error occurred. Please retry later.");
        } else {
            try {
                synchronized (this) {
                    tick();
                    r = route(method, path, q, body, ex);
                }
            } catch (ArmError e) {
                r = Reply.error(e.status, e.code, e.getMessage());
            } catch (RuntimeException e) {
                e.printStackTrace();
                r = Reply.error(500, "InternalServerError", String.valueOf(e));
            }
        }
        if ("drop-after".equals(fault)) {
            ex.close();
            return;
        }
        try (ex) {
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
        for (String kv : raw.split("&", -1)) {
            int i = kv.indexOf('=');
            String k = URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8);
            m.put(k, i < 0 ? "" : URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
        }
        return m;
    }

    private Reply route(String method, String path, Map<String, String> q, byte[] body, HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (!("Bearer " + TOKEN).equals(auth)) {
            return Reply.error(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing or invalid.");
        }
        String api = q.get("api-version");
        Matcher op = OP.matcher(path);
        if (op.matches() && method.equals("GET")) {
            return operationStatus(op.group(2), q.containsKey("monitor"));
        }
        if (q.containsKey("$skiptoken")) {
            return page(q.get("$skiptoken"));
        }
        Matcher all = ALL_VMS.matcher(path);
        if (all.matches() && method.equals("GET")) {
            version(api, VM_VERSIONS);
            return list(state.vms, null, path, api);
        }
        Matcher m = RES.matcher(path);
        if (!m.matches()) {
            throw new ArmError(404, "NotFound", "no such API in the emulator: " + method + " " + path);
        }
        if (!m.group(1).equalsIgnoreCase(ArmState.SUB)) {
            throw new ArmError(404, "SubscriptionNotFound", "The subscription '" + m.group(1) + "' could not be found.");
        }
        String rg = m.group(2);
        String type = m.group(3).toLowerCase(Locale.ROOT);
        String name = m.group(4);
        version(api, type.equals("virtualmachines") ? VM_VERSIONS : DISK_VERSIONS);
        JsonNode in = body.length == 0 ? null : JSON.readTree(body);
        boolean createOnly = "*".equals(ex.getRequestHeaders().getFirst("If-None-Match"));
        if (name != null && name.length() > 80) {
            throw new ArmError(400, "InvalidParameter", "The entity name '" + name + "' is invalid: longer than 80 characters.");
        }
        if (name == null && method.equals("GET")) {
            return list(type.equals("virtualmachines") ? state.vms : type.equals("disks") ? state.disks : state.snapshots, rg, path, api);
        }
        return switch (type) {
            case "virtualmachines" -> m.group(6) != null || "runcommands".equalsIgnoreCase(m.group(5)) ? runCommandApi.handle(method, rg, name, m.group(5), m.group(6), in,
                    q, api, method + " " + path) : vmApi.handle(method, rg, name, m.group(5), in, q, api, method + " " + path);
            default -> diskApi.handle(type, method, rg, name, in, api, createOnly, method + " " + path);
        };
    }

    private static void version(String api, Set<String> known) {
        if (api == null) {
            throw new ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
        }
        if (!known.contains(api)) {
            throw new ArmError(400, "NoRegisteredProviderFound", "No registered resource provider found for location 'westeurope' and API version '" + api
                    + "'. The supported api-versions are '" + String.join(", ", known) + "'.");
        }
    }

    /** A list, two per page; the rest behind a nextLink whose token only this emulator issued. */
    Reply list(Map<String, ObjectNode> from, String rg, String path, String api) {
        String prefix = rg == null ? null : ("/subscriptions/" + ArmState.SUB + "/resourcegroups/" + rg + "/").toLowerCase(Locale.ROOT);
        List<JsonNode> items = new ArrayList<>();
        from.entrySet().stream().filter(e -> prefix == null || e.getKey().startsWith(prefix)).sorted(Map.Entry.comparingByKey())
                .forEach(e -> items.add(e.getValue().deepCopy()));
        return pageOf(items, path, api);
    }

    private Reply pageOf(List<JsonNode> items, String path, String api) {
        ObjectNode r = JSON.createObjectNode();
        ArrayNode v = r.putArray("value");
        items.stream().limit(2).forEach(v::add);
        if (items.size() > 2) {
            String token = UUID.randomUUID().toString();
            pages.put(token, new ArrayList<>(items.subList(2, items.size())));
            pages.put(token + "#path", List.of(JSON.getNodeFactory().textNode(path), JSON.getNodeFactory().textNode(api)));
            r.put("nextLink", base + path + "?api-version=" + api + "&$skiptoken=" + token);
        }
        return new Reply(200, r);
    }

    private Reply page(String token) {
        List<JsonNode> rest = pages.remove(token);
        List<JsonNode> where = pages.remove(token + "#path");
        if (rest == null || where == null) {
            throw new ArmError(400, "InvalidSkipToken", "The skip token '" + token + "' is not valid.");
        }
        return pageOf(rest, where.get(0).asText(), where.get(1).asText());
    }

    // ---- long-running operations -------------------------------------------------------------------------

    /** Starts an operation; a failure registered with {@link #failAsync} for this path makes it end Failed. */
    Operation start(String location, String path, Runnable effect, Runnable onFailure) {
        Operation o = new Operation(location, System.currentTimeMillis() + operationMillis, effect);
        o.failure = takeAsyncFailure(path);
        o.onFailure = onFailure;
        operations.put(o.id, o);
        return o;
    }

    /** 200/201/202 with the headers the SDK's ARM poller follows. */
    Reply accepted(int status, JsonNode body, Operation o, String api, boolean location) {
        Reply r = new Reply(status, body);
        String url = base + "/subscriptions/" + ArmState.SUB + "/providers/Microsoft.Compute/locations/" + o.location + "/operations/" + o.id + "?api-version=" + api;
        r.headers.put("Azure-AsyncOperation", url);
        if (location) {
            r.headers.put("Location", url + "&monitor=true");
        }
        r.headers.put("Retry-After", "0");
        return r;
    }

    /** Ends every operation and run command whose time has come (ARM does not wait for anyone to poll). */
    void tick() {
        long now = System.currentTimeMillis();
        for (Operation o : operations.values()) {
            if (o.status.equals("InProgress") && now >= o.doneAt) {
                finish(o);
            }
        }
        runCommandApi.tick(now);
    }

    private void finish(Operation o) {
        if (o.failure != null) {
            o.status = "Failed";
            if (o.onFailure != null) {
                o.onFailure.run();
            }
            return;
        }
        try {
            if (o.effect != null) {
                o.effect.run();
            }
            o.status = "Succeeded";
        } catch (ArmError e) {
            o.status = "Failed";
            o.failure = e;
            if (o.onFailure != null) {
                o.onFailure.run();
            }
        }
    }

    private Reply operationStatus(String id, boolean monitor) {
        Operation o = operations.get(id);
        if (o == null) {
            throw new ArmError(404, "NotFound", "operation " + id);
        }
        if (monitor && o.status.equals("InProgress")) {
            Reply r = new Reply(202, null);
            r.headers.put("Location", base + "/subscriptions/" + ArmState.SUB + "/providers/Microsoft.Compute/locations/" + o.location + "/operations/" + o.id
                    + "?monitor=true&api-version=2025-04-01");
            r.headers.put("Retry-After", "0");
            return r;
        }
        ObjectNode s = JSON.createObjectNode();
        s.put("name", o.id).put("status", o.status).put("startTime", "2026-12-07T06:00:00+00:00");
        if (!o.status.equals("InProgress")) {
            s.put("endTime", "2026-12-07T06:01:00+00:00");
        }
        if (o.failure != null && o.status.equals("Failed")) {
            s.putObject("error").put("code", o.failure.code).put("message", o.failure.getMessage());
        }
        return new Reply(200, s);
    }

    static Iterable<JsonNode> iterable(JsonNode n) {
        return () -> n == null ? Collections.emptyIterator() : n.elements();
    }
}
