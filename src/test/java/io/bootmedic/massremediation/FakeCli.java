package io.bootmedic.massremediation;

import java.io.File;
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
 * Stand-ins for cloud command-line tools (az, aws, ssh, ...) on a PATH of their own: each call
 * appends its arguments, joined by single spaces, to calls.log, saves its standard input to
 * stdin.N (N = the call's line in the log), and answers with the last rule (so a test's own rules override shared ones) whose pattern matches
 * the start of "tool arg1 arg2 ..." (literally). No rule: exit 0, no output.
 * Then runs a script of the repository with that PATH and records what it printed.
 */
final class FakeCli {
    private static final String FAKE = """
            #!/usr/bin/env bash
            tool=$(basename "$0")
            dir="$(cd "$(dirname "$0")/.." && pwd)"
            line="$tool"
            for a in "$@"; do line+=" $a"; done
            # calls of one pipeline run at once: number them under a lock
            exec 9>>"$dir/calls.lock"
            flock 9
            printf '%s\\n' "$line" >> "$dir/calls.log"
            n=$(wc -l < "$dir/calls.log")
            flock -u 9
            cat > "$dir/stdin.$n"
            for a in "$@"; do
              if [[ "$a" == file://* ]]; then cp "${a#file://}" "$dir/file.$n"; fi
            done
            hit_code=0 hit_file=""
            while IFS=$'\\t' read -r t pattern code file; do
              if [ "$t" = "$tool" ] && [[ "$line" == "$tool $pattern"* ]]; then
                hit_code=$code hit_file=$file
              fi
            done < "$dir/rules.tsv"
            if [ -n "$hit_file" ]; then
              if [ "$hit_code" = 0 ]; then cat "$dir/responses/$hit_file"; else cat "$dir/responses/$hit_file" >&2; fi
            fi
            exit "$hit_code"
            """;

    final Path dir;
    private final Path bin;
    private int responses;

    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    FakeCli(Path tmp, String... tools) throws IOException {
        this.dir = tmp;
        this.bin = Files.createDirectories(tmp.resolve("bin"));
        Files.createDirectories(tmp.resolve("responses"));
        Files.writeString(tmp.resolve("rules.tsv"), "");
        Files.writeString(tmp.resolve("calls.log"), "");
        for (String tool : tools) {
            Path f = bin.resolve(tool);
            Files.writeString(f, FAKE);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** When a call of {@code tool} starts with {@code pattern}: print {@code output} and exit {@code exit} (output goes to stderr when exit is not 0). */
    FakeCli on(String tool, String pattern, int exit, String output) throws IOException {
        String file = "r" + (++responses);
        Files.writeString(dir.resolve("responses").resolve(file), output);
        Files.writeString(dir.resolve("rules.tsv"), tool + "\t" + pattern + "\t" + exit + "\t" + file + "\n",
                java.nio.file.StandardOpenOption.APPEND);
        return this;
    }

    FakeCli on(String tool, String pattern, String output) throws IOException {
        return on(tool, pattern, 0, output);
    }

    FakeCli fail(String tool, String pattern, String stderr) throws IOException {
        return on(tool, pattern, 1, stderr);
    }

    /** Every call, in order, as "tool arg1 arg2 ...". */
    List<String> calls() throws IOException {
        return Files.readAllLines(dir.resolve("calls.log"), StandardCharsets.UTF_8);
    }

    /** What the call at {@code index} (0-based, as in {@link #calls()}) read on its standard input. */
    String stdinOf(int index) throws IOException {
        return Files.readString(dir.resolve("stdin." + (index + 1)), StandardCharsets.ISO_8859_1);
    }

    /** The file the call at {@code index} named as file://PATH, as it was during the call. */
    String fileOf(int index) throws IOException {
        return Files.readString(dir.resolve("file." + (index + 1)), StandardCharsets.UTF_8);
    }

    Result run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(new File(System.getProperty("user.dir")))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile());
        pb.environment().put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
        pb.environment().put("BOOTMEDIC_STAMP", "20240719-0600");
        pb.environment().put("TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 2 minutes");
        }
        return new Result(p.exitValue(), Files.readString(dir.resolve("stdout.txt")), Files.readString(dir.resolve("stderr.txt")));
    }

    Result run(String... command) throws IOException, InterruptedException {
        return run(Map.of(), command);
    }

    /** Calls that change something in a cloud (as opposed to show/list/describe/wait/get). */
    static List<String> mutating(List<String> calls) {
        List<String> out = new ArrayList<>();
        for (String c : calls) {
            if (c.matches(".*\\b(deallocate|create|create-snapshot|attach|detach|update|start|stop|delete|run-command|"
                    + "send-command|attach-volume|detach-volume|stop-instances|start-instances|create-tags|invoke)\\b.*")
                    && !c.matches("^(az|aws) \\S+ (show|list|describe-\\S+|wait|get-\\S+)\\b.*")) {
                out.add(c);
            }
        }
        return out;
    }
}
