package io.bootmedic.collector;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What boot media carry to reach the collector ({@code agent.conf}): its URL, the SHA-256 pin
 * of its certificate, and the agent token. A plain key=value file an admin can read.
 *
 * @param pin          null to trust the system's certificate authorities instead (a collector behind a proxy with a real certificate)
 * @param retrySeconds how long a finished run keeps retrying an unreachable collector before leaving its report in the outbox
 */
public record AgentConfig(URI url, String pin, String token, int retrySeconds) {
    public static final int DEFAULT_RETRY_SECONDS = 20;

    public AgentConfig(URI url, String pin, String token) {
        this(url, pin, token, DEFAULT_RETRY_SECONDS);
    }

    public AgentConfig {
        if (retrySeconds < 0 || retrySeconds > 3600) {
            throw new IllegalArgumentException("collector.retrySeconds must be between 0 and 3600");
        }
        if (url == null || url.getScheme() == null || !(url.getScheme().equals("https") || url.getScheme().equals("http")) || url.getHost() == null) {
            throw new IllegalArgumentException("the collector URL must look like https://host:port (found: " + url + ")");
        }
        if (pin != null && !pin.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("the certificate pin must be 64 hex digits (the SHA-256 'collector init' printed)");
        }
    }

    public static AgentConfig read(Path file) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        String url = p.getProperty("collector.url");
        if (url == null) {
            throw new IOException(file + " has no collector.url line; it is made by 'bootmedic collector init'");
        }
        String pin = p.getProperty("collector.pin");
        try {
            String retry = blankToNull(p.getProperty("collector.retrySeconds"));
            return new AgentConfig(URI.create(url.strip()), pin == null || pin.isBlank() ? null : pin.strip().toLowerCase(java.util.Locale.ROOT)
                    .replace(":", "").replaceFirst("^sha256", ""), blankToNull(p.getProperty("collector.token")),
                    retry == null ? DEFAULT_RETRY_SECONDS : Integer.parseInt(retry));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    public String text() {
        return "# bootmedic agent configuration, made by 'bootmedic collector init'.\n"
                + "# Copy it to the boot media next to bootmedic.jar. It holds the agent token: keep the media safe.\n"
                + "collector.url=" + url + "\n"
                + "collector.pin=" + (pin == null ? "" : pin) + "\n"
                + "collector.token=" + (token == null ? "" : token) + "\n"
                + "# how long a finished run retries an unreachable collector before the report waits in the outbox\n"
                + "collector.retrySeconds=" + retrySeconds + "\n";
    }

    /** The same collector reached with another token (an admin's, for imports). */
    public AgentConfig withToken(String other) {
        return new AgentConfig(url, pin, other, retrySeconds);
    }

    public AgentConfig withUrl(URI other) {
        return new AgentConfig(other, pin, token, retrySeconds);
    }

    @Override
    public String toString() {
        return "AgentConfig[" + url + " pin=" + pin + "]"; // never the token
    }
}
