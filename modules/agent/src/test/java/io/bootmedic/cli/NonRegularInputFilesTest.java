package io.bootmedic.cli;

import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12 #7: a FIFO, a directory or a character device given where a file is expected is refused
 * at once with one line naming the option, never read (a FIFO read blocks for ever).
 */
class NonRegularInputFilesTest {
    @TempDir
    Path tmp;
    Path root;

    @BeforeEach
    void setUp() throws IOException {
        root = tmp.resolve("c");
        PracticeTree.create(root);
    }

    private Path special(String kind) throws IOException, InterruptedException {
        return switch (kind) {
            case "fifo" -> {
                Path fifo = tmp.resolve("fifo");
                Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
                assertEquals(0, p.waitFor());
                yield fifo;
            }
            case "dir" -> Files.createDirectories(tmp.resolve("somedir"));
            default -> Path.of("/dev/null");
        };
    }

    private static String described(String kind) {
        return switch (kind) {
            case "fifo" -> "is a pipe (FIFO)";
            case "dir" -> "is a directory";
            default -> "is a character device";
        };
    }

    private void assertRefused(String option, String kind, String... args) {
        Cli run = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Cli.run(args), option + " " + kind + " must not block");
        assertEquals(2, run.exit, run.toString());
        assertTrue(run.err.contains(option + " ") && run.err.contains(described(kind)), run.toString());
        assertFalse(run.err.contains("Exception"), run.err);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fifo", "dir", "chardev"})
    void keyFile(String kind) throws Exception {
        Path p = special(kind);
        assertRefused("--key-file", kind, "keys", "lookup", "64311DEA", "--key-file", p.toString());
        assertRefused("--key-file", kind, "scan", "--root", root.toString(), "--key-file", p.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fifo", "dir", "chardev"})
    void keyBundleAndPassphraseFile(String kind) throws Exception {
        Path p = special(kind);
        Path realFile = Files.writeString(tmp.resolve("pass.txt"), "correct horse battery");
        assertRefused("--key-bundle", kind, "keys", "lookup", "64311DEA", "--key-bundle", p.toString(), "--passphrase-file", realFile.toString());
        Path bundle = Files.write(tmp.resolve("b.bmk"), new byte[64]);
        assertRefused("--passphrase-file", kind, "keys", "lookup", "64311DEA", "--key-bundle", bundle.toString(), "--passphrase-file", p.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fifo", "dir", "chardev"})
    void playbook(String kind) throws Exception {
        Path p = special(kind);
        Cli run = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Cli.run("scan", "--root", root.toString(), "--playbook", p.toString(),
                "--allow-unsigned-playbook"));
        assertEquals(2, run.exit, run.toString());
        assertTrue(run.err.contains("--playbook " + p) && run.err.contains(described(kind)), run.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fifo", "dir", "chardev"})
    void batchList(String kind) throws Exception {
        Path p = special(kind);
        assertRefused("batch --list", kind, "batch", "--list", p.toString(), "--state", tmp.resolve("state.json").toString(), "--dry-run");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fifo", "dir", "chardev"})
    void batchState(String kind) throws Exception {
        // issue 21 #1: the state file is read before anything runs; a FIFO must not hang it
        Path p = special(kind);
        Path list = Files.writeString(tmp.resolve("list.txt"), root + "\n");
        assertRefused("batch --state", kind, "batch", "--list", list.toString(), "--state", p.toString());
        assertTrue(Files.exists(root.resolve(PracticeTree.CROWDSTRIKE_DIR).resolve(PracticeTree.FAULTY)), "nothing ran");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fifo", "dir", "chardev"})
    void bek(String kind) throws Exception {
        Path p = special(kind);
        assertRefused("--bek", kind, "scan", "--root", root.toString(), "--bek", p.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fifo", "dir"})
    void keysBundleInputsAndHostList(String kind) throws Exception {
        Path p = special(kind);
        Path pass = Files.writeString(tmp.resolve("pass.txt"), "correct horse battery");
        List<String> args = new ArrayList<>(List.of("keys", "bundle", "--in", p.toString(), "--out", tmp.resolve("o.bmk").toString(),
                "--passphrase-file", pass.toString()));
        assertRefused("--in", kind, args.toArray(String[]::new));
        assertFalse(Files.exists(tmp.resolve("o.bmk")));
    }
}
