package io.bootmedic.cloud.kvm;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.cloud.provider.Model.CommandInfo;
import io.bootmedic.cloud.provider.Model.CommandState;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fix commands on this host: one child process per fix ({@link FixChild}), recorded by the engine's name in the
 * state folder before and after it starts (NAME.json: the copy, the slot, and the child's pid, start time and boot),
 * its output in NAME.log and its exit code in NAME.exit. A resumed run finds a command by its name and asks the
 * process table, with the start time and boot, whether that very process still runs.
 */
final class FixCommands {
    private final Path dir;
    private final List<String> bootmedic; // empty: bootmedic's classes in a child JVM

    FixCommands(Path stateDir, List<String> bootmedic) {
        this.dir = stateDir.resolve("commands");
        this.bootmedic = bootmedic;
    }

    private Path record(String name) {
        return dir.resolve(name + ".json");
    }

    Path log(String name) {
        return dir.resolve(name + ".log");
    }

    private Path exit(String name) {
        return dir.resolve(name + ".exit");
    }

    /** Starts {@code bootmedic fix --image COPY PASS...}; the copy's lock is the child's own (bootmedic takes it to write). */
    String start(String name, String worker, String device, Path copy, List<String> pass) {
        if (Files.exists(record(name))) {
            throw new CloudException(Kind.ALREADY_EXISTS, "a fix named " + name + " was already started");
        }
        List<String> fix = new ArrayList<>(List.of("fix", "--image", copy.toString()));
        fix.addAll(pass);
        List<String> cmd = new ArrayList<>();
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(java, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), FixChild.class.getName(), exit(name).toString()));
        if (bootmedic.isEmpty()) {
            cmd.add("in-process");
        } else {
            cmd.add("exec");
            cmd.addAll(bootmedic);
        }
        cmd.addAll(fix);
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("name", name);
        rec.put("worker", worker);
        rec.put("device", device);
        rec.put("disk", copy.toString());
        rec.put("mode", bootmedic.isEmpty() ? "in-process" : "exec");
        rec.put("state", "starting");
        StateFiles.write(record(name), rec); // before the process exists: a crash now leaves a command that never started, not a hidden one
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log(name).toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            ProcessIdentity id = ProcessIdentity.of(p.toHandle());
            rec.put("state", "started");
            rec.put("pid", id.pid());
            rec.put("startMillis", id.startMillis());
            rec.put("bootId", id.bootId());
            StateFiles.write(record(name), rec);
        } catch (IOException e) {
            rec.put("state", "not started: " + e.getMessage());
            StateFiles.write(record(name), rec);
            throw new CloudException(Kind.FATAL, "cannot start bootmedic: " + e.getMessage());
        }
        return name;
    }

    Optional<Map<String, Object>> find(String name) {
        return Optional.ofNullable(StateFiles.read(record(name)));
    }

    /** Whether a fix command recorded for {@code copy} still runs and has not written its exit code (the writer ended before it does that). */
    boolean writerAlive(String copy) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".json")).map(StateFiles::read)
                    .anyMatch(m -> m != null && copy.equals(Json.string(m, "disk")) && !Files.exists(exit(Json.string(m, "name")))
                            && identity(m).flatMap(ProcessIdentity::live).isPresent());
        } catch (IOException e) {
            throw new CloudException(Kind.FATAL, "cannot list " + dir + ": " + e.getMessage());
        }
    }

    private static Optional<ProcessIdentity> identity(Map<String, Object> m) {
        long pid = Json.number(m, "pid", -1);
        return pid < 0 ? Optional.empty() : Optional.of(new ProcessIdentity(pid, Json.number(m, "startMillis", -1), String.valueOf(m.get("bootId"))));
    }

    CommandInfo describe(String worker, String name) {
        Map<String, Object> m = StateFiles.read(record(name));
        if (m == null || !worker.equals(Json.string(m, "worker"))) {
            throw new CloudException(Kind.NOT_FOUND, "no fix command " + name + " on " + worker);
        }
        Map<String, Object> done = StateFiles.read(exit(name));
        if (done != null) {
            int code = (int) Json.number(done, "exit", 1);
            return new CommandInfo(name, name, code == 0 ? CommandState.SUCCESS : CommandState.FAILED, true, code == 0 && reportedFixed(name));
        }
        Optional<ProcessIdentity> id = identity(m);
        if (id.isEmpty()) {
            // recorded as starting and never given a pid: the start failed, or this host stopped between the two writes
            return new CommandInfo(name, name, CommandState.FAILED, false, false);
        }
        if (id.get().live().isPresent()) {
            return new CommandInfo(name, name, CommandState.IN_PROGRESS, false, false);
        }
        // the process is gone (or the pid is another process's now) and wrote no exit code: it was stopped. In-process, it was
        // the writer; a bootmedic it ran may live on, so then only the lock says whether the copy is free
        boolean writerGone = "in-process".equals(Json.string(m, "mode")) || !id.get().bootId().equals(ProcessIdentity.currentBootId());
        return new CommandInfo(name, name, CommandState.FAILED, writerGone, false);
    }

    void cancel(String worker, String name) {
        Map<String, Object> m = StateFiles.read(record(name));
        if (m == null || !worker.equals(Json.string(m, "worker"))) {
            throw new CloudException(Kind.NOT_FOUND, "no fix command " + name + " on " + worker);
        }
        // only the very process recorded: a pid reused after a reboot is someone else's
        identity(m).flatMap(ProcessIdentity::live).ifPresent(ProcessHandle::destroy);
    }

    /** bootmedic fix exits 0 both when it fixed and when there was nothing to fix; its banner says which. */
    private boolean reportedFixed(String name) {
        try {
            return Files.readAllLines(log(name), StandardCharsets.UTF_8).stream().anyMatch(l -> l.startsWith("FIXED: "));
        } catch (IOException e) {
            return false;
        }
    }
}
