package io.bootmedic.batch;

import io.bootmedic.format.FormatException;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.JvmCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21 #1: {@code batch --state FILE} is an input like any other. A FIFO or directory is
 * refused with a sentence naming the file, a file beyond the limits is refused before it is read,
 * broken JSON is named by file and line without the parser's own words, and 200,000 targets (and
 * the largest file allowed) load and save in a 256 MiB heap.
 */
class BatchStateTest {
    @TempDir
    Path tmp;

    private static void assertOneSentenceNaming(Path file, String message) {
        assertTrue(message.startsWith("batch --state " + file + " "), message);
        assertEquals(1, message.lines().count(), message);
        for (String jackson : List.of("Unexpected", "Source", "Exception", "REDACTED", "[")) {
            assertFalse(message.contains(jackson), message);
        }
    }

    @Test
    void aFifoIsRefusedAtOnceNotRead() throws Exception {
        Path fifo = tmp.resolve("state.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor());
        FormatException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(FormatException.class, () -> BatchState.load(fifo)));
        assertOneSentenceNaming(fifo, e.getMessage());
        assertTrue(e.getMessage().contains("is a pipe (FIFO)"), e.getMessage());
    }

    @Test
    void aDirectoryIsRefusedNamingTheFileNotJustIsADirectory() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("state.json"));
        FormatException e = assertThrows(FormatException.class, () -> BatchState.load(dir));
        assertOneSentenceNaming(dir, e.getMessage());
        assertTrue(e.getMessage().contains("is a directory, not a regular file"), e.getMessage());
    }

    @Test
    void aFileBeyondTheSizeLimitIsRefusedBeforeItIsRead() throws IOException {
        Path big = tmp.resolve("big.json");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(BatchState.MAX_BYTES + 1); // sparse: nothing is written, and nothing may be read
        }
        FormatException e = assertThrows(FormatException.class, () -> BatchState.load(big));
        assertOneSentenceNaming(big, e.getMessage());
        assertTrue(e.getMessage().contains((BatchState.MAX_BYTES + 1) + " bytes"), e.getMessage());
    }

    @Test
    void brokenJsonIsNamedByFileAndLineNotInTheParsersWords() throws IOException {
        String good = "{\n  \"schema\": \"bootmedic.batch-state/v1\",\n  \"targets\": {\n    \"/img/a.vhdx\": {\"outcome\": \"fixed\"},\n";
        for (String broken : List.of(good, good + "    \"/img/b.vhdx\": {\"outcome\": fixed}\n  }\n}\n", "\u0000\u0001", "{\"schema\": \"bootmedic.batch-state/v1\"} {}",
                "{" + "\"x\":[".repeat(1000))) {
            Path f = Files.writeString(tmp.resolve("broken.json"), broken);
            FormatException e = assertThrows(FormatException.class, () -> BatchState.load(f), broken);
            assertOneSentenceNaming(f, e.getMessage());
            assertTrue(e.getMessage().contains("is not valid JSON") && e.getMessage().contains("move it aside"), e.getMessage());
        }
        Path f = Files.writeString(tmp.resolve("broken.json"), good);
        assertTrue(assertThrows(FormatException.class, () -> BatchState.load(f)).getMessage().contains("line 5"));
    }

    @Test
    void aDocumentThatIsNotAStateFileIsRefused() throws IOException {
        for (String other : List.of("[]", "\"x\"", "{}", "{\"schema\": \"bootmedic.report/v1\", \"targets\": {}}", "{\"targets\": {}}", "{\"schema\": 1}")) {
            Path f = Files.writeString(tmp.resolve("other.json"), other);
            FormatException e = assertThrows(FormatException.class, () -> BatchState.load(f), other);
            assertOneSentenceNaming(f, e.getMessage());
            assertTrue(e.getMessage().contains("is not a bootmedic batch state file"), e.getMessage());
        }
    }

    @Test
    void moreTargetsThanOneBatchKeepsAreRefused() throws IOException {
        Path f = tmp.resolve("many.json");
        try (BufferedWriter w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
            w.write("{\"schema\": \"bootmedic.batch-state/v1\", \"targets\": {");
            for (int i = 0; i <= BatchState.MAX_TARGETS; i++) {
                w.write((i == 0 ? "" : ",") + "\"t" + i + "\":{}");
            }
            w.write("}}");
        }
        FormatException e = assertThrows(FormatException.class, () -> BatchState.load(f));
        assertOneSentenceNaming(f, e.getMessage());
        assertTrue(e.getMessage().contains("more than " + BatchState.MAX_TARGETS + " targets"), e.getMessage());
    }

    @Test
    void hostileEntriesAreBoundedOrPassedOver() throws IOException {
        Path f = Files.writeString(tmp.resolve("odd.json"), "{\"future\": {\"a\": [1, {\"b\": null}]}, \"targets\": {"
                + "\"/img/a\": {\"outcome\": \"fixed\", \"runId\": 7, \"seconds\": -3, \"note\": \"" + "n".repeat(100_000) + "\", \"extra\": [[[]]]},"
                + "\"/img/b\": [\"not\", \"an\", \"entry\"],"
                + "\"/img/c\": {\"outcome\": \"" + "x".repeat(10_000) + "\", \"seconds\": 1e400},"
                + "\"" + "/".repeat(BatchState.MAX_TARGET_CHARS) + "\": \"a string\"},"
                + "\"schema\": \"bootmedic.batch-state/v1\"}");
        BatchState s = BatchState.load(f);
        BatchState.Entry a = s.get("/img/a");
        assertEquals("fixed", a.outcome());
        assertNull(a.runId());
        assertEquals(0, a.seconds());
        assertEquals(BatchState.MAX_NOTE_CHARS + 3, a.note().length());
        assertNull(s.get("/img/b"), "a target whose entry is not an object runs again");
        assertEquals(64, s.get("/img/c").outcome().length());
        assertFalse(s.get("/img/c").done());

        Path longName = Files.writeString(tmp.resolve("long.json"), "{\"schema\": \"bootmedic.batch-state/v1\", \"targets\": {\""
                + "/".repeat(BatchState.MAX_TARGET_CHARS + 1) + "\": {\"outcome\": \"fixed\"}}}");
        FormatException e = assertThrows(FormatException.class, () -> BatchState.load(longName));
        assertOneSentenceNaming(longName, e.getMessage());
    }

    @Test
    void aMissingFileIsAFirstRunAndWhatIsRecordedReadsBackOneTargetALine() throws IOException {
        Path f = tmp.resolve("sub/state.json");
        BatchState s = BatchState.load(f);
        assertNull(s.get("/img/a"));
        s.record("/img/a.vhdx", new BatchState.Entry("fixed", UUID.randomUUID().toString(), "2024-07-19T08:00:00Z", 12.5, "1 file(s) quarantined"));
        s.record("/img/\"quoted\"\\é\u001b.vhdx", new BatchState.Entry("error", null, "2024-07-19T08:00:01Z", 0.25, "line1\nline2"));
        s.record("/img/c.vhdx", new BatchState.Entry("needs-key", UUID.randomUUID().toString(), "2024-07-19T08:00:02Z", 3, null));

        BatchState back = BatchState.load(f);
        for (String t : List.of("/img/a.vhdx", "/img/\"quoted\"\\é\u001b.vhdx", "/img/c.vhdx")) {
            assertEquals(s.get(t), back.get(t), t);
        }
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        assertEquals(8, lines.size(), String.join("\n", lines)); // {, schema, targets, three targets, }, }
        assertTrue(lines.get(3).startsWith("    \"/img/a.vhdx\": {\"outcome\": \"fixed\", "), lines.get(3));
        assertTrue(Files.readString(f).endsWith("  }\n}\n"));
    }

    /** Writes a state file as bootmedic 1.x wrote it (jackson-jr, pretty-printed), {@code n} targets. */
    private static Path oldStyleState(Path file, int n, String keyPrefix) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("{\n  \"schema\" : \"bootmedic.batch-state/v1\",\n  \"targets\" : {\n");
            for (int i = 0; i < n; i++) {
                boolean error = i % 10 == 0;
                w.write(String.format(Locale.ROOT, "    \"%s%06d-osdisk.vhdx\" : {%n      \"outcome\" : \"%s\",%n      \"runId\" : %s,%n"
                                + "      \"finishedAt\" : \"2024-07-19T08:%02d:%02d.%06dZ\",%n      \"seconds\" : %d.%03d,%n      \"note\" : \"%s\"%n    }%s%n",
                        keyPrefix, i, error ? "error" : "fixed", error ? "null" : "\"" + UUID.randomUUID() + "\"", i / 60 % 60, i % 60, i,
                        i % 90, i % 1000, error ? "the image cannot be opened: its VHDX header and its copy are both damaged (CRC mismatch); restore it" : "1 file(s) quarantined",
                        i == n - 1 ? "" : ","));
            }
            w.write("  }\n}\n");
        }
        return file;
    }

    private JvmCli batchInSmallHeap(Path state) throws Exception {
        Path pc = tmp.resolve("pc");
        PracticeTree.create(pc);
        Path list = Files.writeString(tmp.resolve("list.txt"), pc + "\n");
        // JvmCli runs the command line in a JVM of its own with -Xmx256m: an OutOfMemoryError there is a failed run, not a caught error here
        return JvmCli.run(tmp, 600, "batch", "--list", list.toString(), "--state", state.toString(), "--parallel", "1");
    }

    @Test
    void twoHundredThousandTargetsLoadAndSaveInA256MiBHeap() throws Exception {
        Path state = oldStyleState(tmp.resolve("state.json"), 200_000, "/var/lib/bootmedic/images/contoso-prod-westeurope-vm-");
        assertTrue(Files.size(state) < BatchState.MAX_BYTES, Files.size(state) + " bytes");

        JvmCli run = batchInSmallHeap(state);

        assertEquals(0, run.exit, run.toString());
        assertTrue(run.out.contains("ALL CLEAN"), run.toString());
        assertFalse(run.err.contains("OutOfMemoryError"), run.err);
        BatchState after = BatchState.load(state); // read back, and rewritten by the child in the streamed format
        assertEquals("fixed", after.get(BatchRun.key(tmp.resolve("pc"))).outcome());
        assertEquals("error", after.get("/var/lib/bootmedic/images/contoso-prod-westeurope-vm-199990-osdisk.vhdx").outcome());
        assertEquals(200_001 + 5, Files.readAllLines(state, StandardCharsets.UTF_8).size(), "one line per target");
    }

    @Test
    void theLargestStateFileAllowedLoadsAndSavesInA256MiBHeap() throws Exception {
        // the worst shape within the limits: 4096-character target names holding one non-Latin-1 character each, so every one is
        // kept as UTF-16 (two bytes a character) and the file's 64 MiB become about twice that in memory
        String prefix = "/img/\u0100" + "x".repeat(BatchState.MAX_TARGET_CHARS - 30);
        long perEntry = Files.size(oldStyleState(tmp.resolve("sample.json"), 1000, prefix)) / 1000 + 1;
        Path state = oldStyleState(tmp.resolve("state.json"), (int) ((BatchState.MAX_BYTES - 4096) / perEntry), prefix);
        assertTrue(Files.size(state) > BatchState.MAX_BYTES * 9 / 10 && Files.size(state) <= BatchState.MAX_BYTES, Files.size(state) + " bytes");

        JvmCli run = batchInSmallHeap(state);

        assertEquals(0, run.exit, run.toString());
        assertFalse(run.err.contains("OutOfMemoryError"), run.err);
    }
}
