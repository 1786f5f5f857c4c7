package io.bootmedic.cloud.gcp;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs scripts/gcp/worker-job.sh on a worker, as the old route did: through {@code gcloud compute ssh WORKER --command}
 * (the script travels base64-encoded in the command, and runs under sudo), or on this machine when the route runs on the
 * worker itself ({@code --via local}). One call, bounded in time; no answer is a transient failure, never an end.
 */
abstract class WorkerShell {
    static final String JOB_SCRIPT = resource("scripts/gcp/worker-job.sh");
    static final String FIX_SCRIPT = resource("scripts/lib/worker-fix.sh");

    private final long timeoutSeconds;

    WorkerShell(long timeoutSeconds) {
        this.timeoutSeconds = timeoutSeconds;
    }

    /** worker-job.sh ARGS on the worker (zone/name); its standard output. */
    String run(String workerId, List<String> args) {
        List<String> cmd = command(GcpIds.zonal(workerId), args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        environment(pb.environment());
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> copy(p.getInputStream(), out));
            Thread errors = new Thread(() -> copy(p.getErrorStream(), err));
            reader.start();
            errors.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new CloudException(Kind.TRANSIENT, "no answer from the worker " + workerId + " within " + timeoutSeconds + " s");
            }
            reader.join(5_000);
            errors.join(5_000);
            String text = out.toString(StandardCharsets.UTF_8);
            if (!text.contains("BM_JOB=") && !text.contains("BM_DEVICE=")) {
                // gcloud's or ssh's own last words (never the job's output, which may name key files)
                String why = err.toString(StandardCharsets.UTF_8).strip().lines().reduce((a, b) -> b).orElse("");
                throw new CloudException(Kind.TRANSIENT, "the worker " + workerId + " did not answer (exit " + p.exitValue() + (why.isEmpty() ? "" : ": " + why) + ")");
            }
            return text;
        } catch (IOException e) {
            throw new CloudException(Kind.TRANSIENT, "cannot reach the worker " + workerId + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudException(Kind.TRANSIENT, "interrupted while asking the worker " + workerId);
        }
    }

    abstract List<String> command(GcpIds.Zonal worker, List<String> args);

    void environment(Map<String, String> env) {
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0;) {
                if (out.size() < 4 << 20) { // a worker's answer is small; never hold more than 4 MB of it
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // the process was killed: what was read is all there is
        }
    }

    private static String resource(String name) {
        try (InputStream in = WorkerShell.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the build left " + name + " out of the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code gcloud compute ssh WORKER --zone Z --project P [ssh args] --command '... | sudo bash -s -- ARGS'}. */
    static final class Ssh extends WorkerShell {
        private final String gcloud;
        private final String project;
        private final List<String> sshArgs;

        Ssh(String gcloud, String project, List<String> sshArgs, long timeoutSeconds) {
            super(timeoutSeconds);
            this.gcloud = gcloud;
            this.project = project;
            this.sshArgs = List.copyOf(sshArgs);
        }

        @Override
        List<String> command(GcpIds.Zonal worker, List<String> args) {
            String job = Base64.getEncoder().encodeToString(JOB_SCRIPT.getBytes(StandardCharsets.UTF_8));
            // the script through a pipe into the root shell: no file on the worker another user could swap before sudo runs it
            StringBuilder remote = new StringBuilder("echo ").append(job).append(" | base64 -d | sudo bash -s --");
            for (String a : args) {
                remote.append(' ').append(quote(a));
            }
            List<String> cmd = new ArrayList<>(List.of(gcloud, "compute", "ssh", worker.name(), "--zone", worker.zone(), "--project", project, "--quiet"));
            // keep-alive: a dropped connection is noticed, not waited on (the job runs on regardless)
            cmd.add("--ssh-flag=-oServerAliveInterval=15");
            cmd.addAll(sshArgs);
            cmd.add("--command");
            cmd.add(remote.toString());
            return cmd;
        }
    }

    /** worker-job.sh on this machine (the route runs on the worker), under sudo unless already root. */
    static class Local extends WorkerShell {
        private final Map<String, String> env;
        private final boolean sudo;
        private final java.nio.file.Path script;

        Local(java.nio.file.Path scratch, Map<String, String> env, boolean sudo, long timeoutSeconds) {
            super(timeoutSeconds);
            this.env = Map.copyOf(env);
            this.sudo = sudo;
            try {
                java.nio.file.Files.createDirectories(scratch);
                this.script = scratch.resolve("worker-job.sh");
                java.nio.file.Files.writeString(script, JOB_SCRIPT);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write worker-job.sh to " + scratch + ": " + e.getMessage(), e);
            }
        }

        @Override
        List<String> command(GcpIds.Zonal worker, List<String> args) {
            List<String> cmd = new ArrayList<>();
            if (sudo) {
                cmd.add("sudo");
            }
            cmd.add("bash");
            cmd.add(script.toString());
            cmd.addAll(args);
            return cmd;
        }

        @Override
        void environment(Map<String, String> e) {
            e.putAll(env);
        }
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
