package io.bootmedic.massremediation.kvm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs scripts/kvm/remediate.sh with /usr/bin's real virsh, xmllint, qemu-img and cp first on PATH,
 * a private HOME and TMPDIR, a 0.1 s state poll, and bootmedic from this build's classes (a
 * launcher that runs java -cp on the test classpath, i.e. what target/bootmedic.jar holds).
 */
final class KvmScript {
    static final String SCRIPT = "scripts/kvm/remediate.sh";
    private final Path tmp;
    final Path record;
    final Path launcher;

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    KvmScript(Path tmp) throws IOException {
        this.tmp = tmp;
        this.record = tmp.resolve("bootmedic-kvm-runs.tsv");
        this.launcher = tmp.resolve("bootmedic");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(launcher, "#!/bin/sh\nexec '" + java + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '"
                + System.getProperty("java.class.path") + "' io.bootmedic.cli.Main \"$@\"\n");
        launcher.toFile().setExecutable(true);
        Files.createDirectories(tmp.resolve("home"));
    }

    ProcessBuilder builder(String... args) {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", SCRIPT));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/bin:/bin:/usr/sbin:/sbin");
        env.put("HOME", tmp.resolve("home").toString());
        env.put("TMPDIR", tmp.toString());
        env.put("LANG", "C.UTF-8");
        env.put("BOOTMEDIC_KVM_POLL_SECONDS", "0.1");
        return pb;
    }

    /** The command plus the options every test passes: the connection, bootmedic, the record. */
    String[] withDefaults(String uri, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--connect", uri, "--record", record.toString()));
        if (all.get(0).equals("fix") || all.get(0).equals("resume")) {
            all.addAll(List.of("--bootmedic", launcher.toString()));
        }
        return all.toArray(String[]::new);
    }

    Result run(String... args) throws Exception {
        return finish(start(args), 120);
    }

    Process start(String... args) throws IOException {
        ProcessBuilder pb = builder(args);
        pb.redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        Process p = pb.start();
        p.getOutputStream().close();
        return p;
    }

    Result finish(Process p, long seconds) throws Exception {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("remediate.sh did not end within " + seconds + " s:\n" + Files.readString(tmp.resolve("err.txt")));
        }
        return new Result(p.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    /** The record's lines after the header, split into columns. */
    List<List<String>> recordLines() throws IOException {
        if (!Files.exists(record)) {
            return List.of();
        }
        List<String> lines = Files.readAllLines(record);
        if (!lines.get(0).equals("time\tconnect\tdomain\tresult\tstep\tdisk\tformat\tbackup\tstate_before\tbootmedic_exit")) {
            throw new AssertionError("record header: " + lines.get(0));
        }
        return lines.stream().skip(1).map(l -> List.of(l.split("\t", -1))).toList();
    }

    /** The last record line of a domain as "result step backup bootmedic_exit". */
    String last(String domain) throws IOException {
        List<List<String>> mine = recordLines().stream().filter(c -> c.get(2).equals(domain)).toList();
        if (mine.isEmpty()) {
            return "";
        }
        List<String> c = mine.get(mine.size() - 1);
        return c.get(3) + " " + c.get(4) + " " + c.get(7) + " " + c.get(9);
    }
}
