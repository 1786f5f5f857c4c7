package io.bootmedic.collector;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What boot media carry to reach the collector ({@code agent.conf}): its URL, the SHA-256 pin
 * of its certificate, and the agent token. A plain key=value file an admin can read.
 *
 * @param pin          null to trust the system's certificate authorities instead (a collector behind a proxy with a real certificate)
 * @param retrySeconds how long a finished run keeps retrying an unreachable collector before leaving its report in the outbox
 * @param tags         {@code agent.tags=K=V,K2=V2}: what the media's machines are (site, model), sent when asking for the
 *                     collector's playbooks so a playbook can be published to some of them; sorted by key
 */
public record AgentConfig(URI url, String pin, String token, int retrySeconds, Map<String, String> tags) {
    public static final int DEFAULT_RETRY_SECONDS = 20;
    public static final int MAX_TAGS = 32;
    private static final Pattern TAG_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern TAG_VALUE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");

    public AgentConfig(URI url, String pin, String token) {
        this(url, pin, token, DEFAULT_RETRY_SECONDS);
    }

    public AgentConfig(URI url, String pin, String token, int retrySeconds) {
        this(url, pin, token, retrySeconds, Map.of());
    }

    public AgentConfig {
        tags = checkTags(tags == null ? Map.of() : tags);
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
                    retry == null ? DEFAULT_RETRY_SECONDS : Integer.parseInt(retry), parseTags(p.getProperty("agent.tags")));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    /** {@code K=V,K2=V2}; blank for none. */
    public static Map<String, String> parseTags(String text) {
        Map<String, String> tags = new TreeMap<>();
        if (text == null || text.isBlank()) {
            return tags;
        }
        for (String pair : text.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("agent.tags must be KEY=VALUE pairs separated by commas, e.g. agent.tags=site=berlin,model=t14 (found '"
                        + (pair.length() > 40 ? pair.substring(0, 40) + "…" : pair) + "')");
            }
            String key = pair.substring(0, eq).strip();
            if (tags.put(key, pair.substring(eq + 1).strip()) != null) {
                throw new IllegalArgumentException("agent.tags names '" + key + "' twice");
            }
        }
        return tags;
    }

    private static Map<String, String> checkTags(Map<String, String> tags) {
        if (tags.size() > MAX_TAGS) {
            throw new IllegalArgumentException("agent.tags has " + tags.size() + " tags; at most " + MAX_TAGS + " are sent");
        }
        for (Map.Entry<String, String> t : tags.entrySet()) {
            if (t.getKey() == null || !TAG_KEY.matcher(t.getKey()).matches()) {
                throw new IllegalArgumentException("agent.tags: a tag name is 1 to 64 letters, digits, '_', '.' or '-' (found '" + t.getKey() + "')");
            }
            if (t.getValue() == null || !TAG_VALUE.matcher(t.getValue()).matches()) {
                throw new IllegalArgumentException("agent.tags: the value of " + t.getKey() + " must be 1 to 128 letters, digits, '_', '.', ':' or '-'");
            }
        }
        return Collections.unmodifiableMap(new TreeMap<>(tags));
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
                + "collector.retrySeconds=" + retrySeconds + "\n"
                + "# what these machines are (KEY=VALUE,...), for playbooks published to some of them ('collector playbook publish --scope tag=K=V')\n"
                + "agent.tags=" + String.join(",", tags.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()) + "\n";
    }

    /** The same collector reached with another token (an admin's, for imports). */
    public AgentConfig withToken(String other) {
        return new AgentConfig(url, pin, other, retrySeconds, tags);
    }

    public AgentConfig withUrl(URI other) {
        return new AgentConfig(other, pin, token, retrySeconds, tags);
    }

    @Override
    public String toString() {
        return "AgentConfig[" + url + " pin=" + pin + "]"; // never the token
    }
}
