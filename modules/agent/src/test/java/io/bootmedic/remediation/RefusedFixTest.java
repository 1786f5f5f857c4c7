package io.bootmedic.remediation;

import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 12 #5: a fix refused before any change leaves the volume byte for byte as it was: no journal either. */
class RefusedFixTest {
    @TempDir
    Path tmp;
    Path root;

    @BeforeEach
    void tree() throws IOException {
        root = tmp.resolve("c");
        PracticeTree.create(root);
        Files.createDirectories(root.resolve("bootmedic"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bootmedic/quarantine", "bootmedic/journal"})
    void aFileWhereBootmedicNeedsAFolderRefusesTheFixAndLeavesNoJournal(String blocked) throws IOException {
        Files.writeString(root.resolve(blocked), "not a folder");
        Map<String, String> before = TreeSnapshot.of(root);

        Cli fix = Cli.run("fix", "--root", root.toString());

        assertEquals(1, fix.exit, fix.toString());
        assertTrue(fix.out.contains("'" + blocked + "'") && fix.out.contains("exists but is not a directory") && fix.out.contains("Nothing was changed"), fix.out);
        Map<String, String> after = TreeSnapshot.of(root);
        after.keySet().removeIf(k -> k.startsWith("bootmedic/reports")); // the report of the refusal is the one thing written
        assertEquals(before, after);
        assertFalse(Files.isDirectory(root.resolve("bootmedic/journal")));

        Cli again = Cli.run("scan", "--root", root.toString());
        assertFalse(again.out.contains("interrupted"), "no half-made run is left for the next one to resume: " + again);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bootmedic/quarantine"})
    void aSymlinkWhereTheQuarantineGoesIsRefusedBeforeAnyChange(String blocked) throws IOException {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(root.resolve(blocked), elsewhere);
        Map<String, String> before = TreeSnapshot.of(tmp);

        Cli fix = Cli.run("fix", "--root", root.toString());

        assertEquals(1, fix.exit, fix.toString());
        assertTrue(fix.out.contains("reparse point"), fix.out);
        Map<String, String> after = TreeSnapshot.of(tmp);
        after.keySet().removeIf(k -> k.startsWith("c/bootmedic/reports"));
        assertEquals(before, after);
    }
}
