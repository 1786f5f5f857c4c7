package io.bootmedic.collector.client;

import io.bootmedic.collector.AgentConfig;
import io.bootmedic.format.ErrorWords;
import io.bootmedic.keys.InvalidRecoveryPasswordException;
import io.bootmedic.keys.KeyId;
import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;

/**
 * The agent's side of docs/design.md §8: send a report, fetch a recovery password. HttpsURLConnection
 * (java.base) keeps the WinPE runtime small; the certificate is pinned when agent.conf has a pin.
 */
public final class CollectorClient {
    private final AgentConfig config;
    private final SSLContext tls;
    private final int timeoutMillis;

    public CollectorClient(AgentConfig config, int timeoutMillis) throws IOException {
        this.config = config;
        this.timeoutMillis = timeoutMillis;
        try {
            this.tls = config.pin() == null ? SSLContext.getDefault() : PinnedTrust.context(config.pin());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    public AgentConfig config() {
        return config;
    }

    /** What the collector said about an uploaded report. */
    public enum Delivery { CREATED, ALREADY_RECEIVED }

    public Delivery sendReport(byte[] reportJson) throws CollectorException {
        Answer a = request("POST", "/api/v1/reports", reportJson, "application/json");
        if (a.status == 201) {
            return Delivery.CREATED;
        }
        if (a.status == 200) {
            return Delivery.ALREADY_RECEIVED;
        }
        throw refusal(a, "the report");
    }

    /** Sends a staged machine's readiness ({@code bootmedic.readiness/v1}); the collector keeps the latest per machine. */
    public void sendReadiness(byte[] readinessJson) throws CollectorException {
        Answer a = request("POST", "/api/v1/readiness", readinessJson, "application/json");
        if (a.status != 201) {
            throw refusal(a, "the readiness report");
        }
    }

    /** A machine's own credential, issued by {@code POST /api/v1/enrol}; never printed (toString leaves the token out). */
    public record MachineToken(String token, String tokenId, String machineId) {
        @Override
        public String toString() {
            return "MachineToken[" + tokenId + " machine=" + machineId + "]";
        }
    }

    /** Enrols this machine ({@code bootmedic.enrol/v1}) with the fleet's enrolment token; returns the machine's own token. */
    public MachineToken enrol(byte[] enrolmentJson) throws CollectorException {
        Answer a = request("POST", "/api/v1/enrol", enrolmentJson, "application/json");
        if (a.status != 201) {
            throw refusal(a, "the enrolment");
        }
        try {
            Map<String, Object> m = Json.readObject(a.body);
            if (m.get("token") instanceof String t && t.matches("bmmch_[A-Za-z0-9_-]{43}") && m.get("tokenId") instanceof String id
                    && id.matches("[0-9a-f]{12}") && m.get("machineId") instanceof String mid && mid.matches("[0-9a-f]{32}")) {
                return new MachineToken(t, id, mid);
            }
        } catch (IOException | RuntimeException e) {
            // falls through to the refusal below
        }
        throw new CollectorException("the collector's answer to the enrolment is malformed", a.status, false);
    }

    /** The escrowed recovery password for a whole key ID, or empty when the collector has none. */
    public Optional<RecoveryPassword> recoveryPassword(String keyId) throws CollectorException {
        String id = KeyId.parse(keyId).guid();
        Answer a = request("GET", "/api/v1/keys/" + id, null, null);
        if (a.status == 404) {
            return Optional.empty();
        }
        if (a.status != 200) {
            throw refusal(a, "the recovery password for key ID {" + id + "}");
        }
        try {
            Object rp = Json.readObject(a.body).get("recoveryPassword");
            if (!(rp instanceof String s)) {
                throw new CollectorException("the collector's answer for key ID {" + id + "} holds no recovery password", a.status, false);
            }
            return Optional.of(RecoveryPassword.parse(s));
        } catch (IOException | InvalidRecoveryPasswordException e) {
            throw new CollectorException("the collector's answer for key ID {" + id + "} is malformed", a.status, false);
        }
    }

    /** Uploads a key export (admin token); returns the collector's counts as JSON. */
    public Map<String, Object> importKeys(byte[] export, String name) throws CollectorException {
        Answer a = request("POST", "/api/v1/keys/import?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8), export, "application/octet-stream");
        if (a.status != 200) {
            throw refusal(a, "the key import");
        }
        try {
            return Json.readObject(a.body);
        } catch (IOException e) {
            throw new CollectorException("the collector's answer to the import is malformed", a.status, false);
        }
    }

    /**
     * The active playbooks the collector targets at this machine (agent token). Nothing here is
     * trusted yet: sizes and encodings are checked, signatures are the caller's to verify.
     */
    public java.util.List<ServedPlaybook> activePlaybooks(io.bootmedic.report.Report.Host host, String computerName, Map<String, String> tags)
            throws CollectorException {
        StringBuilder q = new StringBuilder("/api/v1/playbooks/active?");
        appendParam(q, "computerName", computerName);
        appendParam(q, "biosSerial", host.biosSerial());
        appendParam(q, "vmId", host.hypervisorVmId());
        tags.forEach((k, v) -> appendParam(q, "tag", k + "=" + v));
        Answer a = request("GET", q.toString(), null, null, ServedPlaybook.MAX_ANSWER_BYTES);
        if (a.status != 200) {
            throw refusal(a, "the list of active playbooks");
        }
        try {
            return ServedPlaybook.parseAnswer(a.body);
        } catch (ServedPlaybook.MalformedAnswerException e) {
            throw new CollectorException("the collector's list of active playbooks is malformed: " + e.getMessage(), a.status, false);
        }
    }

    private static void appendParam(StringBuilder q, String name, String value) {
        if (value == null || value.isBlank()) {
            return;
        }
        if (q.charAt(q.length() - 1) != '?') {
            q.append('&');
        }
        q.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }

    /** Admin calls of the playbook routes: {@code POST /api/v1/playbooks}, list, retire. The answer's JSON, or the refusal. */
    public Map<String, Object> playbookAdmin(String method, String path, byte[] body, int... okStatus) throws CollectorException {
        Answer a = request(method, path, body, body == null ? null : "application/json");
        for (int ok : okStatus) {
            if (a.status == ok) {
                try {
                    Map<String, Object> m = Json.readObject(a.body);
                    m.put("_status", a.status);
                    return m;
                } catch (IOException e) {
                    throw new CollectorException("the collector's answer to " + path + " is malformed", a.status, false);
                }
            }
        }
        throw refusal(a, "the playbook request");
    }

    private record Answer(int status, byte[] body, long retryAfterMillis) {
    }

    /** Retry-After in seconds (what the collector sends) or as an HTTP date; -1 when absent or unreadable; at most an hour. */
    static long retryAfter(String header, long now) {
        if (header == null || header.isBlank()) {
            return -1;
        }
        String h = header.strip();
        try {
            if (h.matches("\\d{1,9}")) {
                return Math.min(3_600_000L, Long.parseLong(h) * 1000);
            }
            long at = java.time.ZonedDateTime.parse(h, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
            return Math.max(0, Math.min(3_600_000L, at - now));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private CollectorException refusal(Answer a, String what) {
        String message = serverMessage(a.body);
        return switch (a.status) {
            case 401 -> new CollectorException("the collector refused the token (401) for " + what + ": agents need collector.token in agent.conf, "
                    + "'keys import' needs admin.token, both from this collector's 'collector init'", 401, false);
            case 403 -> new CollectorException("the collector refused " + what + " for this token (403): " + message, 403, false);
            case 429 -> new CollectorException("the collector is asking to slow down (429): " + message, 429, true, a.retryAfterMillis);
            case 503 -> new CollectorException("the collector is busy or cannot write its database (503): " + message, 503, true, a.retryAfterMillis);
            case 400 -> new CollectorException("the collector rejected " + what + " (400): " + message, 400, false);
            case 413 -> new CollectorException("the collector refused " + what + " as too large (413): " + message, 413, false);
            // the body did not reach the collector in time (a slow or broken link): sending it again may work
            case 408 -> new CollectorException("the collector timed out receiving " + what + " (408): " + message, 408, true, a.retryAfterMillis);
            case 404, 409 -> new CollectorException("the collector refused " + what + " (" + a.status + "): " + message, a.status, false);
            default -> new CollectorException("the collector answered " + a.status + " for " + what + ": " + message, a.status, a.status >= 500);
        };
    }

    private static String serverMessage(byte[] body) {
        try {
            Object e = Json.readObject(body).get("error");
            return e == null ? "(no reason given)" : e.toString();
        } catch (IOException | RuntimeException e) {
            return "(no reason given)";
        }
    }

    /** A pin mismatch or an unacceptable certificate, as opposed to a connection that broke during the handshake. */
    private static boolean aboutTheCertificate(SSLHandshakeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException || (t.getMessage() != null && t.getMessage().contains("pin mismatch"))) {
                return true;
            }
            if (t instanceof java.io.EOFException || t instanceof java.net.SocketException) {
                return false;
            }
        }
        String m = String.valueOf(e.getMessage());
        return !(m.contains("terminated the handshake") || m.contains("closed"));
    }

    private Answer request(String method, String path, byte[] body, String contentType) throws CollectorException {
        return request(method, path, body, contentType, 4 << 20);
    }

    private Answer request(String method, String path, byte[] body, String contentType, int maxAnswer) throws CollectorException {
        URI uri = URI.create(config.url().toString().replaceAll("/+$", "") + path);
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) uri.toURL().openConnection();
            if (c instanceof HttpsURLConnection https) {
                https.setSSLSocketFactory(tls.getSocketFactory());
                if (config.pin() != null) {
                    https.setHostnameVerifier((host, session) -> true); // the pin already names the one certificate we accept
                }
            }
            c.setConnectTimeout(timeoutMillis);
            c.setReadTimeout(timeoutMillis);
            c.setRequestMethod(method);
            c.setRequestProperty("Accept", "application/json");
            if (config.token() != null) {
                c.setRequestProperty("Authorization", "Bearer " + config.token());
            }
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", contentType);
                c.setFixedLengthStreamingMode(body.length);
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body); // streamed: HttpURLConnection never sends a streamed request twice
                }
            }
            // A GET (a key release, the active playbooks) whose connection breaks before the answer is
            // sent once more by HttpURLConnection itself (sun.net.www.http.HttpClient.parseHTTP), at
            // once and unseen here; its only off switch, streaming mode, turns a GET into a POST. So a
            // call may reach the collectors twice, and each is audited: the audit counts requests, not calls.
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            byte[] answer = in == null ? new byte[0] : in.readNBytes(maxAnswer);
            if (in != null) {
                in.close();
            }
            return new Answer(status, answer, retryAfter(c.getHeaderField("Retry-After"), System.currentTimeMillis()));
        } catch (SSLHandshakeException e) {
            if (!aboutTheCertificate(e)) {
                // the peer went away mid-handshake (a collector restarting or killed behind a balancer): try again
                throw new CollectorException("cannot reach the collector at " + config.url() + ": " + ErrorWords.reason(e), 0, true);
            }
            String why = e.getMessage() != null && e.getMessage().contains("pin mismatch") ? e.getMessage().substring(e.getMessage().indexOf("certificate pin"))
                    : ErrorWords.scrub(e.getMessage());
            throw new CollectorException("TLS with " + config.url() + " failed: " + why
                    + ". If the collector was set up again, copy its new agent.conf to the boot media.", 0, false);
        } catch (IOException e) {
            // words, not "java.net.ConnectException: Connection refused"
            throw new CollectorException("cannot reach the collector at " + config.url() + ": " + ErrorWords.reason(e), 0, true);
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }
}
