package io.bootmedic.cli;

import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 12 #17 and #18 for the non-disk inputs: one line naming the file and what to do, and hints that fit. */
class InputMessagesTest {
    @TempDir
    Path tmp;

    @Test
    void aBatchListThatIsNotUtf8NamesTheFileAndTheLine() throws Exception {
        Path list = Files.write(tmp.resolve("list.txt"), new byte[]{'a', '.', 'i', 'm', 'g', '\n', 'b', (byte) 0xE9, '.', 'i', 'm', 'g', '\n'});
        Cli run = Cli.run("batch", "--list", list.toString(), "--state", tmp.resolve("s.json").toString(), "--dry-run");
        assertEquals(2, run.exit, run.toString());
        assertTrue(run.err.contains("batch --list " + list + " is not UTF-8 text (line 2)"), run.err);
        assertFalse(run.err.contains("Input length") || run.err.contains("Exception"), run.err);
    }

    @Test
    void aUtf16PassphraseFileIsSaidToBeUtf16() throws Exception {
        Path pass = Files.write(tmp.resolve("pass.txt"), "\uFEFFsecret passphrase".getBytes(StandardCharsets.UTF_16LE));
        Path bundle = Files.write(tmp.resolve("k.bmk"), new byte[64]);
        Cli run = Cli.run("keys", "lookup", "64311DEA", "--key-bundle", bundle.toString(), "--passphrase-file", pass.toString());
        assertEquals(2, run.exit, run.toString());
        assertTrue(run.err.contains("--passphrase-file " + pass + " is not UTF-8 text") && run.err.contains("UTF-16"), run.err);
    }

    @Test
    void anEmptyBatchIsNotAllClean() throws Exception {
        Path list = Files.writeString(tmp.resolve("list.txt"), "# nothing yet\n\n");
        Cli run = Cli.run("batch", "--list", list.toString(), "--state", tmp.resolve("s.json").toString());
        assertEquals(2, run.exit, run.toString());
        assertTrue(run.err.contains("names no targets") && run.err.contains("Nothing was run"), run.err);
        assertFalse(run.out.contains("ALL CLEAN"), run.out);

        Path empty = Files.createDirectories(tmp.resolve("images"));
        Files.writeString(empty.resolve("notes.txt"), "x");
        Cli dir = Cli.run("batch", "--images", empty.toString(), "--state", tmp.resolve("s.json").toString());
        assertEquals(2, dir.exit, dir.toString());
        assertTrue(dir.err.contains("no disk images in " + empty), dir.err);
    }

    @Test
    void aLookupInAFileWithNoUsableKeySaysSo() throws Exception {
        Path csv = Files.writeString(tmp.resolve("k.csv"), "KeyID,RecoveryKey\nnot-an-id,123\n");
        Cli run = Cli.run("keys", "lookup", "64311DEA", "--key-file", csv.toString());
        assertEquals(1, run.exit, run.toString());
        assertTrue(run.out.contains("no usable key was read at all"), run.out);
    }

    @Test
    void aBrokenPlaybookSaysWhereWithoutJacksonText() throws Exception {
        Path playbook = Files.writeString(tmp.resolve("p.json"), "{\n \"id\": \"x\",\n \"title\": 'single quotes'\n}");
        Path root = tmp.resolve("c");
        io.bootmedic.practice.PracticeTree.create(root);
        Cli run = Cli.run("scan", "--root", root.toString(), "--playbook", playbook.toString(), "--allow-unsigned-playbook");
        assertEquals(2, run.exit, run.toString());
        assertTrue(run.err.contains("near line 3"), run.err);
        assertFalse(run.err.contains("Unexpected character") || run.err.contains("code 39"), run.err);
    }
}
