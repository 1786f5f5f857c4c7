package io.bootmedic.collector.http;

import io.bootmedic.util.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON line per request: time, caller address, method, path, status, milliseconds and the
 * token's public id. Never bodies, query strings, headers or tokens.
 */
final class AccessLog implements AutoCloseable {
    private final OutputStream out;

    AccessLog(Path file) throws IOException {
        if (file != null) {
            io.bootmedic.collector.CollectorDir.ownerOnly(file, true); // addresses and token ids: owner only
        }
        this.out = file == null ? OutputStream.nullOutputStream()
                : Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    void log(String remote, String method, String path, int status, double millis, String actor) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", Instant.now().toString());
        m.put("remote", remote);
        m.put("method", method);
        m.put("path", path);
        m.put("status", status);
        m.put("ms", Math.round(millis * 10) / 10.0);
        m.put("actor", actor);
        byte[] line = (Json.line(m) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        synchronized (this) {
            try {
                out.write(line);
                out.flush();
            } catch (IOException e) {
                // an access log that cannot be written must not take the service down
            }
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
