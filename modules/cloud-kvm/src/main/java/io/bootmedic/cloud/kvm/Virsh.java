package io.bootmedic.cloud.kvm;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The one way this route talks to libvirt: the real {@code virsh}, run as a process with an argument list (never through a
 * shell, so a domain or file name is never parsed as a command), in the C locale (its messages are what the errors are
 * classified by), with a time limit. One call is one libvirt operation; nothing here retries.
 */
final class Virsh {
    private final String virsh;
    private final String uri;
    private final long timeoutMillis;

    Virsh(String virsh, String uri, long timeoutMillis) {
        this.virsh = virsh;
        this.uri = uri;
        this.timeoutMillis = timeoutMillis;
    }

    String uri() {
        return uri;
    }

    /** Runs {@code virsh -q [-c URI] ARGS}; returns its standard output, trimmed. */
    String run(String... args) {
        List<String> cmd = new ArrayList<>(List.of(virsh, "-q"));
        if (uri != null) {
            cmd.addAll(List.of("-c", uri));
        }
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("LC_ALL", "C");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Path err = null;
        try {
            err = Files.createTempFile("bootmedic-virsh", ".err");
            pb.redirectError(err.toFile());
            Process p = pb.start();
            // stdout is read on this thread while virsh runs (a large dumpxml would fill the pipe); the timeout bounds the wait
            java.util.concurrent.CompletableFuture<byte[]> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            });
            if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new CloudException(Kind.TRANSIENT, "virsh " + args[0] + " did not answer within " + timeoutMillis / 1000 + " s");
            }
            String stdout = new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                String stderr = Files.readString(err, StandardCharsets.UTF_8).strip().replace('\n', ' ');
                throw classify(args[0], stderr);
            }
            return stdout;
        } catch (IOException e) {
            throw new CloudException(Kind.FATAL, "cannot run " + virsh + " (" + e.getMessage() + "): install libvirt's client (apt install libvirt-clients)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudException(Kind.TRANSIENT, "interrupted while virsh " + args[0] + " ran");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new CloudException(Kind.TRANSIENT, "virsh " + args[0] + ": its output could not be read");
        } finally {
            if (err != null) {
                try {
                    Files.deleteIfExists(err);
                } catch (IOException e) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }

    /** libvirt's error texts (virterror.c), as virsh prints them, mapped to what the engine does with them. */
    static CloudException classify(String op, String stderr) {
        String s = stderr.toLowerCase(Locale.ROOT);
        Kind kind;
        if (s.contains("domain not found") || s.contains("failed to get domain") || s.contains("no domain with matching")
                || s.contains("storage volume not found") || s.contains("failed to get vol")) {
            kind = Kind.NOT_FOUND;
        } else if (s.contains("requested operation is not valid") || s.contains("is not running") || s.contains("is already running")
                || s.contains("domain is already active") || s.contains("operation invalid")) {
            kind = Kind.CONFLICT;
        } else if (s.contains("failed to connect") || s.contains("unable to connect") || s.contains("cannot recv data")
                || s.contains("end of file while reading data") || s.contains("connection reset") || s.contains("timed out")
                || s.contains("cannot send data") || s.contains("client socket is closed")) {
            kind = Kind.TRANSIENT;
        } else {
            kind = Kind.FATAL;
        }
        return new CloudException(kind, "virsh " + op + ": " + (stderr.isEmpty() ? "failed with no message" : stderr));
    }
}
