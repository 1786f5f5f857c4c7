package io.bootmedic.cloud.gcp;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.cloud.provider.Model.CommandInfo;
import io.bootmedic.cloud.provider.Model.CommandState;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fix on the worker, as the old route ran it: scripts/lib/worker-fix.sh (bootmedic fix --device on the copy, which it
 * finds by the attach's device name and checks by size) as a job of worker-job.sh that outlives the ssh call, named by
 * the engine; its result read from the job's rc file and bootmedic's own banner.
 */
final class WorkerJobs {
    /** worker-job.sh's cancel: the job was killed and nothing held the copy any more. */
    static final int CANCELLED_RC = 124;
    private static final Pattern DONE = Pattern.compile("(?m)^BM_JOB=done rc=(\\d+)\\s*$");
    private static final Pattern STATE = Pattern.compile("(?m)^BM_JOB=([a-z]+)");
    /** bootmedic's banner when it quarantined or neutralized something (io.bootmedic.cli.ConsoleReport): the copy changed. */
    // bootmedic's banner: "FIXED: N faulty file(s) quarantined or neutralized[, M registry value(s) set][, K boot configuration setting(s) changed]"
    private static final Pattern FIXED = Pattern.compile(
            "(?m)^FIXED: ([0-9]+) faulty file[^,\n]*(?:, ([0-9]+) registry value[^,\n.]*)?(?:, ([0-9]+) boot configuration)?");
    private static final Pattern EXIT = Pattern.compile("(?m)^BOOTMEDIC_EXIT=([0-9]+)\\s*$");

    private final WorkerShell shell;
    private final List<String> fixArgs;
    private final int cancelGraceSeconds;

    /** {@code fixArgs}: passed to worker-fix.sh (--bootmedic, --config, --key-bundle, ... paths on the worker). */
    WorkerJobs(WorkerShell shell, List<String> fixArgs, int cancelGraceSeconds) {
        this.shell = shell;
        this.fixArgs = List.copyOf(fixArgs);
        this.cancelGraceSeconds = cancelGraceSeconds;
    }

    String start(String workerId, String device, long expectBytes, String name) {
        List<String> args = new ArrayList<>(List.of("--gce-device-name", device, "--expect-size", Long.toString(expectBytes)));
        args.addAll(fixArgs);
        String out = shell.run(workerId, List.of("start", name, "0", payload(args), device));
        if (state(out) == null) {
            throw new CloudException(Kind.TRANSIENT, "worker " + workerId + ": no job state in its answer to start " + name);
        }
        return name;
    }

    Optional<CommandInfo> find(String workerId, String name) {
        String out = shell.run(workerId, List.of("poll", name, "0"));
        if ("missing".equals(state(out))) {
            return Optional.empty();
        }
        return Optional.of(info(name, out));
    }

    CommandInfo describe(String workerId, String name) {
        return find(workerId, name).orElseThrow(() -> new CloudException(Kind.NOT_FOUND, "no job " + name + " on the worker " + workerId));
    }

    void cancel(String workerId, String name) {
        shell.run(workerId, List.of("cancel", name, Integer.toString(cancelGraceSeconds)));
    }

    boolean held(String workerId, String device) {
        String out = shell.run(workerId, List.of("held", device));
        if (out.contains("BM_DEVICE=free")) {
            return false;
        }
        if (out.contains("BM_DEVICE=busy")) {
            return true;
        }
        throw new CloudException(Kind.TRANSIENT, "worker " + workerId + " did not say whether " + device + " is held");
    }

    /** What a poll says. {@code writerExited} only from the rc file (the job's shell ran to its end, after bootmedic). */
    static CommandInfo info(String name, String out) {
        String state = state(out);
        if (state == null) {
            throw new CloudException(Kind.TRANSIENT, "job " + name + ": no state in the worker's answer");
        }
        switch (state) {
            case "running":
                return new CommandInfo(name, name, CommandState.IN_PROGRESS, false, false);
            case "lost":
                // no rc file and no process: the worker rebooted, or the job was killed from outside; nobody saw it end
                return new CommandInfo(name, name, CommandState.FAILED, false, false);
            case "busy":
                return new CommandInfo(name, name, CommandState.IN_PROGRESS, false, false);
            case "cancelled":
                return new CommandInfo(name, name, CommandState.CANCELLED, true, false);
            case "done":
                break;
            default:
                throw new CloudException(Kind.TRANSIENT, "job " + name + ": unknown state " + state);
        }
        Matcher m = DONE.matcher(out);
        int rc = -1;
        while (m.find()) {
            rc = Integer.parseInt(m.group(1));
        }
        // a copy still mounted or open after the job: its writer may be gone, something else still holds it
        boolean busy = out.lines().anyMatch("BM_DEVICE=busy"::equals);
        if (rc == CANCELLED_RC) {
            return new CommandInfo(name, name, CommandState.CANCELLED, !busy, false);
        }
        boolean ok = rc == 0 && exitCode(out) == 0;
        return new CommandInfo(name, name, ok ? CommandState.SUCCESS : CommandState.FAILED, !busy, ok && fixedSomething(out));
    }

    private static String state(String out) {
        Matcher m = STATE.matcher(out);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last;
    }

    private static int exitCode(String out) {
        Matcher m = EXIT.matcher(out);
        int rc = -1;
        while (m.find()) {
            rc = Integer.parseInt(m.group(1));
        }
        return rc;
    }

    static boolean fixedSomething(String out) {
        Matcher m = FIXED.matcher(out);
        boolean any = false;
        while (m.find()) {
            for (int g = 1; g <= 3; g++) {
                any |= m.group(g) != null && Long.parseLong(m.group(g)) > 0;
            }
        }
        return any;
    }

    /** worker-fix.sh with its arguments set in its first lines (common.sh's worker_payload), base64. */
    static String payload(List<String> args) {
        StringBuilder s = new StringBuilder("#!/usr/bin/env bash\nset --");
        for (String a : args) {
            s.append(' ').append(WorkerShell.quote(a));
        }
        s.append('\n');
        String fix = WorkerShell.FIX_SCRIPT;
        s.append(fix.substring(fix.indexOf('\n') + 1));
        return Base64.getEncoder().encodeToString(s.toString().getBytes(StandardCharsets.UTF_8));
    }
}
