package io.bootmedic.cloud.kvm;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The snapshots and copies being made: one {@link CopyChild} each, recorded by name before and after it starts (pid,
 * start time, boot), its output and exit code beside it, so a resumed run reads how a copy started before a crash went.
 */
final class Copies {
    enum State {
        RUNNING, DONE, FAILED
    }

    private final Path dir;

    Copies(Path stateDir) {
        this.dir = stateDir.resolve("copies");
    }

    void start(String name, Path source, Path target, FileIdentity expect) {
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("name", name);
        rec.put("source", source.toString());
        rec.put("target", target.toString());
        rec.put("state", "starting");
        StateFiles.write(dir.resolve(name + ".json"), rec);
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                CopyChild.class.getName(), source.toString(), target.toString(), Long.toString(expect.device()), Long.toString(expect.inode()),
                dir.resolve(name + ".exit").toString());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            ProcessIdentity id = ProcessIdentity.of(p.toHandle());
            rec.put("state", "started");
            rec.put("pid", id.pid());
            rec.put("startMillis", id.startMillis());
            rec.put("bootId", id.bootId());
            StateFiles.write(dir.resolve(name + ".json"), rec);
        } catch (IOException e) {
            rec.put("state", "not started: " + e.getMessage());
            StateFiles.write(dir.resolve(name + ".json"), rec);
            throw new CloudException(Kind.FATAL, "cannot start the copy to " + target + ": " + e.getMessage());
        }
    }

    /** How the copy named {@code name} to {@code target} stands: the named file is there only once it is whole. */
    State state(String name, Path target) {
        if (Files.isRegularFile(target)) {
            return State.DONE;
        }
        Map<String, Object> rec = StateFiles.read(dir.resolve(name + ".json"));
        if (rec == null || StateFiles.read(dir.resolve(name + ".exit")) != null) {
            return State.FAILED; // ended without naming the copy
        }
        long pid = Json.number(rec, "pid", -1);
        if (pid < 0) {
            return State.FAILED;
        }
        ProcessIdentity id = new ProcessIdentity(pid, Json.number(rec, "startMillis", -1), String.valueOf(rec.get("bootId")));
        return id.live().isPresent() ? State.RUNNING : State.FAILED;
    }

    /** Why a copy failed, from its output: one line for the operator. */
    String why(String name) {
        try {
            return Files.readAllLines(dir.resolve(name + ".log")).stream().filter(l -> l.startsWith("copy failed: ")).findFirst().orElse("no message");
        } catch (IOException e) {
            return "no message";
        }
    }
}
