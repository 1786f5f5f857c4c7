package io.bootmedic.massremediation.gcp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs scripts/gcp/remediate.sh with the REAL /usr/bin/gcloud, configured in a private
 * CLOUDSDK_CONFIG (no credentials, no telemetry, no update check, no metadata-server probe) and
 * pointed at a {@link ComputeEmulator} through api_endpoint_overrides/compute.
 *
 * <p>There is no real worker VM: gcloud compute ssh does everything up to starting 'ssh' for real
 * (instance and project lookups, key generation with ssh-keygen, adding the key to the project's
 * metadata through the emulator), and then runs the 'ssh' on this sandbox's PATH, a stand-in that
 * logs its arguments and runs the remote command locally: scripts/gcp/worker-job.sh really runs
 * (job directory under worker/jobs, setsid, rc file, polling), with 'sudo' a pass-through and the
 * worker-side run (scripts/lib/worker-fix.sh with bootmedic) replaced by worker/fake-worker-fix,
 * which records the arguments it was given, reports start, end (or being killed) to the emulator,
 * sleeps worker/sleep seconds and exits with worker/exit. worker/drop-during-run makes the ssh
 * call after the start fail as a dropped connection does (exit 255).
 */
final class GcloudSandbox {
    static final String STAMP = "20240719-060000";

    record Result(int exit, String out, String err, String timing) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err + "--- gcloud calls (s, exit, args)\n" + timing;
        }
    }

    final Path dir;
    final Path worker;
    private final Path bin;
    private final ComputeEmulator api;

    GcloudSandbox(Path dir, ComputeEmulator api) throws IOException {
        this.dir = dir;
        this.api = api;
        this.bin = Files.createDirectories(dir.resolve("bin"));
        this.worker = Files.createDirectories(dir.resolve("worker"));
        Files.createDirectories(dir.resolve("home"));
        Files.createSymbolicLink(bin.resolve("gcloud"), Path.of("/usr/bin/gcloud"));
        Path cfg = Files.createDirectories(dir.resolve("gcloud-config/configurations"));
        Files.writeString(dir.resolve("gcloud-config/active_config"), "default");
        Files.writeString(cfg.resolve("config_default"), """
                [core]
                project = %s
                disable_usage_reporting = True
                check_gce_metadata = False
                [auth]
                disable_credentials = True
                [component_manager]
                disable_update_check = True
                [survey]
                disable_prompts = True
                [api_endpoint_overrides]
                compute = %s
                """.formatted(api.state.project, api.endpoint()));
        executable(bin.resolve("ssh"), """
                #!/usr/bin/env bash
                # stand-in for the worker's sshd: logs, then runs the remote command here
                dir=%1$s
                printf '%%s\\n' "$*" >> "$dir/ssh.log"
                cmd=() seen=0
                for a in "$@"; do
                  if [ "$seen" = 1 ]; then cmd+=("$a"); elif [ "$a" = -- ]; then seen=1; fi
                done
                if [ -e "$dir/worker/drop-next" ]; then
                  rm -f "$dir/worker/drop-next"
                  echo "ssh: connect to host 127.0.0.1 port 22: Connection timed out" >&2
                  exit 255
                fi
                export BOOTMEDIC_JOB_ROOT="$dir/worker/jobs" BOOTMEDIC_WORKER_SHELL="$dir/worker/fake-worker-fix"
                export PATH="$dir/worker/bin:$PATH"
                exec bash -c "${cmd[*]}"
                """.formatted(dir));
        Path wbin = Files.createDirectories(worker.resolve("bin"));
        executable(wbin.resolve("sudo"), "#!/bin/sh\nexec \"$@\"\n");
        executable(worker.resolve("fake-worker-fix"), """
                #!/usr/bin/env bash
                # stand-in for scripts/lib/worker-fix.sh + bootmedic on the worker
                dir=%1$s
                args=$(grep -m1 '^set --' "$1")
                dev=$(sed -n 's/.*--gce-device-name \\([^ ]*\\).*/\\1/p' <<<"$args")
                printf '%%s\\n' "$args" >> "$dir/worker/args.log"
                curl -s -X POST --data "bootmedic-start $dev" http://127.0.0.1:%2$d/_test/event >/dev/null
                trap 'curl -s -X POST --data "bootmedic-killed $dev" http://127.0.0.1:%2$d/_test/event >/dev/null; exit 143' TERM
                # the connection drops while bootmedic runs: the next ssh call fails
                if [ -e "$dir/worker/drop-during-run" ]; then touch "$dir/worker/drop-next"; fi
                sleep "$(cat "$dir/worker/sleep" 2>/dev/null || echo 0)"
                rc=$(cat "$dir/worker/exit" 2>/dev/null || echo 0)
                echo "BOOTMEDIC_DEVICE=/dev/sdb"
                echo "bootmedic (stand-in): exit $rc"
                curl -s -X POST --data "bootmedic-end $dev rc=$rc" http://127.0.0.1:%2$d/_test/event >/dev/null
                echo "BOOTMEDIC_EXIT=$rc"
                exit "$rc"
                """.formatted(dir, api.port()));
    }

    private static void executable(Path f, String text) throws IOException {
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** How the stand-in for bootmedic on the worker behaves. */
    void workerRun(int sleepSeconds, int exit) throws IOException {
        Files.writeString(worker.resolve("sleep"), Integer.toString(sleepSeconds));
        Files.writeString(worker.resolve("exit"), Integer.toString(exit));
    }

    void dropConnectionDuringRun() throws IOException {
        Files.writeString(worker.resolve("drop-during-run"), "");
    }

    List<String> workerArgs() throws IOException {
        Path f = worker.resolve("args.log");
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    List<String> sshCalls() throws IOException {
        Path f = dir.resolve("ssh.log");
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    Path record() {
        return dir.resolve("runs.tsv");
    }

    Result run(String... args) throws IOException, InterruptedException {
        return run(Map.of(), args);
    }

    /** Starts the script without waiting (for tests that signal it); its output goes to out.txt / err.txt. */
    Process start(Map<String, String> extraEnv, String... args) throws IOException {
        ProcessBuilder pb = builder(extraEnv, args);
        pb.redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile());
        return pb.start();
    }

    Result finish(Process p) throws IOException, InterruptedException {
        Path out = dir.resolve("out.txt"), err = dir.resolve("err.txt");
        Path timing = dir.resolve("timing.tsv");
        if (!p.waitFor(400, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("remediate.sh did not finish in 400 s:\n" + Files.readString(err)
                    + (Files.exists(timing) ? Files.readString(timing) : ""));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8),
                Files.exists(timing) ? Files.readString(timing) : "");
    }

    Result run(Map<String, String> extraEnv, String... args) throws IOException, InterruptedException {
        return finish(start(extraEnv, args));
    }

    private ProcessBuilder builder(Map<String, String> extraEnv, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", "scripts/gcp/remediate.sh"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", bin + ":/usr/bin:/bin");
        env.put("HOME", dir.resolve("home").toString());
        env.put("LANG", "C.UTF-8");
        env.put("TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString());
        env.put("CLOUDSDK_CONFIG", dir.resolve("gcloud-config").toString());
        env.put("CLOUDSDK_CORE_DISABLE_PROMPTS", "1");
        env.put("BOOTMEDIC_STAMP", STAMP);
        env.put("BOOTMEDIC_GCP_POLL_SECONDS", "0");
        env.put("BOOTMEDIC_GCP_POLL_WINDOW", "1");
        env.put("BOOTMEDIC_GCP_CANCEL_GRACE", "2");
        env.put("BOOTMEDIC_GCP_TIMING", dir.resolve("timing.tsv").toString());
        env.putAll(extraEnv);
        return pb;
    }
}
