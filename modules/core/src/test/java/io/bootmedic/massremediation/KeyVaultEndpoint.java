package io.bootmedic.massremediation;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import java.io.FileInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * What the worker's real {@code az} talks to when worker-fix.sh fetches an Azure Disk Encryption
 * key, on HTTPS on loopback (a certificate made with keytool; az trusts it through
 * REQUESTS_CA_BUNDLE):
 * <ul>
 * <li>the managed-identity token endpoint az uses when MSI_ENDPOINT is set (msrestazure's
 * get_msi_token: POST, form field {@code resource}, answer {@code access_token}, {@code expires_on},
 * {@code token_type}); the token is a JWT whose {@code tid} az reads and whose {@code aud} is the
 * resource it was asked for;</li>
 * <li>ARM's subscription list ({@code GET /subscriptions}, {@code {"value": []}}: the identity has no
 * subscription, hence {@code --allow-no-subscriptions});</li>
 * <li>Key Vault's Get Secret ({@code GET /secrets/{name}/{version}?api-version=7.4}: 401 with a
 * Bearer challenge without a token, 403 {@code Forbidden} when the identity may not get secrets,
 * else the SecretBundle {@code {"value", "id", "attributes"}}).</li>
 * </ul>
 * Shapes from the Key Vault REST reference (Get Secret, 7.4) and msrestazure's MSI code.
 */
final class KeyVaultEndpoint implements AutoCloseable {
    static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd0110001";

    final Path caPem;
    private final HttpsServer server;
    final Map<String, String> secrets = new ConcurrentHashMap<>();
    volatile boolean mayGetSecrets = true;
    /** Every request, "METHOD path [resource=...|bearer=<aud>|anonymous]". */
    final List<String> log = new CopyOnWriteArrayList<>();

    KeyVaultEndpoint(Path dir) throws Exception {
        Path keystore = dir.resolve("kv.p12");
        LoopDisk.run("keytool", "-genkeypair", "-alias", "local", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", "changeit", "-keypass", "changeit");
        caPem = dir.resolve("kv-ca.pem");
        Files.writeString(caPem, LoopDisk.run("keytool", "-exportcert", "-rfc", "-alias", "local", "-keystore", keystore.toString(),
                "-storepass", "changeit"));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(keystore.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ssl));
        server.createContext("/", this::handle);
        server.start();
    }

    String base() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    private static String b64url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String token(String audience) {
        return b64url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + b64url("{\"tid\":\"" + TENANT + "\",\"aud\":\"" + audience
                + "\",\"oid\":\"00000000-0000-0000-0000-0000000000aa\"}") + ".c2lnbmF0dXJl";
    }

    /** The audience of a bearer token this endpoint issued, or null. */
    private static String audience(HttpExchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ")) {
            return null;
        }
        String[] parts = auth.substring(7).split("\\.");
        if (parts.length != 3) {
            return null;
        }
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        int at = payload.indexOf("\"aud\":\"");
        return at < 0 ? null : payload.substring(at + 7, payload.indexOf('"', at + 7));
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (method.equals("POST") && path.equals("/msi/token")) {
                String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String resource = "";
                for (String kv : form.split("&")) {
                    if (kv.startsWith("resource=")) {
                        resource = URLDecoder.decode(kv.substring(9), StandardCharsets.UTF_8);
                    }
                }
                log.add("POST /msi/token resource=" + resource);
                long exp = System.currentTimeMillis() / 1000 + 3600;
                send(ex, 200, "{\"access_token\":\"" + token(resource) + "\",\"expires_on\":\"" + exp + "\",\"resource\":\"" + resource
                        + "\",\"token_type\":\"Bearer\"}", null);
                return;
            }
            String aud = audience(ex);
            log.add(method + " " + path + (aud == null ? " anonymous" : " bearer=" + aud));
            if (method.equals("GET") && path.equals("/subscriptions")) {
                if (aud == null) {
                    send(ex, 401, "{\"error\":{\"code\":\"AuthenticationFailed\",\"message\":\"no token\"}}", null);
                } else {
                    send(ex, 200, "{\"value\":[]}", null);
                }
                return;
            }
            if (method.equals("GET") && path.startsWith("/secrets/")) {
                if (aud == null || !aud.equals(base())) {
                    send(ex, 401, "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10000: Request is missing a Bearer or PoP token.\"}}",
                            "Bearer authorization=\"" + base() + "/" + TENANT + "\", resource=\"" + base() + "\"");
                } else if (!mayGetSecrets) {
                    send(ex, 403, "{\"error\":{\"code\":\"Forbidden\",\"message\":\"The user, group or application 'appid=...' does not have secrets get"
                            + " permission on key vault 'vault1'.\",\"innererror\":{\"code\":\"AccessDenied\"}}}", null);
                } else if (!secrets.containsKey(path)) {
                    send(ex, 404, "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"A secret with (name/id) was not found in this key vault.\"}}", null);
                } else {
                    send(ex, 200, "{\"value\":\"" + secrets.get(path) + "\",\"contentType\":\"BEK\",\"id\":\"" + base() + path
                            + "\",\"attributes\":{\"enabled\":true,\"created\":1721300000,\"updated\":1721300000,\"recoveryLevel\":\"Recoverable\"},"
                            + "\"tags\":{\"DiskEncryptionKeyFileName\":\"{0A1B2C3D-0000-0000-0000-000000000001}.BEK\"}}", null);
                }
                return;
            }
            send(ex, 404, "{\"error\":{\"code\":\"NotFound\",\"message\":\"" + path + "\"}}", null);
        }
    }

    private static void send(HttpExchange ex, int code, String body, String challenge) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        if (challenge != null) {
            ex.getResponseHeaders().set("WWW-Authenticate", challenge);
        }
        ex.sendResponseHeaders(code, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
