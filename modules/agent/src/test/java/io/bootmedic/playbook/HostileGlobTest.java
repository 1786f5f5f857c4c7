package io.bootmedic.playbook;

import io.bootmedic.fs.RelPath;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 12 #3: a playbook glob must match in linear time, and an absurdly long one is refused. */
class HostileGlobTest {
    private static final Duration QUICK = Duration.ofSeconds(2);
    static final String STARS_THEN_X = "*".repeat(1000) + "x";
    static final String STAR_A_30_STAR_B = "*a".repeat(30) + "*b";

    @TempDir
    Path tmp;

    private static Rule rule(String glob) {
        return new Rule("r", RelPath.of("Windows"), glob, new byte[0], null, null, Rule.Action.QUARANTINE);
    }

    @Test
    void hostileGlobsMatchQuickly() {
        String name = "a".repeat(200);
        assertTimeoutPreemptively(QUICK, () -> {
            assertFalse(rule(STARS_THEN_X).matchesName(name));
            assertTrue(rule(STARS_THEN_X).matchesName(name + "x"));
            assertFalse(rule(STAR_A_30_STAR_B).matchesName(name));
            assertTrue(rule(STAR_A_30_STAR_B).matchesName(name + "b"));
            assertFalse(rule("*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?b").matchesName(name));
        });
    }

    @Test
    void matchesAsNtfsComparesNames() {
        Rule r = rule("C-00000291*.sys");
        assertTrue(r.matchesName("c-00000291-00000000-00000032.SYS"));
        assertTrue(r.matchesName("C-00000291.sys"));
        assertFalse(r.matchesName("C-00000291.sys.bak"));
        assertFalse(r.matchesName("XC-00000291.sys"));
        assertTrue(rule("a?c").matchesName("AbC"));
        assertFalse(rule("a?c").matchesName("ac"));
        assertTrue(rule("**a**").matchesName("a"));
        assertTrue(rule("ä*").matchesName("Äpfel"));
        assertFalse(rule("a*b").matchesName("a"));
        assertTrue(rule("*.*").matchesName("x.y"));
    }

    @Test
    void aGlobLongerThanAFileNameIsRefusedByTheParser() {
        String json = PlaybookTest.playbook("Windows").replace("C-00000291*.sys", STARS_THEN_X);
        PlaybookException e = assertThrows(PlaybookException.class, () -> PlaybookParser.parse(json.getBytes(StandardCharsets.UTF_8), "t.json"));
        assertTrue(e.getMessage().contains("rule 1 of playbook t.json: glob is 1001 characters long"), e.getMessage());
    }

    @Test
    void fixWithAHostileGlobAgainstALongNameFromTheDiskEndsQuickly() throws IOException {
        Path root = tmp.resolve("c");
        PracticeTree.create(root);
        Path cs = root.resolve(PracticeTree.CROWDSTRIKE_DIR);
        Files.write(cs.resolve("a".repeat(200)), new byte[16]);
        Path playbook = tmp.resolve("p.json");
        Files.writeString(playbook, PlaybookTest.playbook(PracticeTree.CROWDSTRIKE_DIR).replace("C-00000291*.sys", STAR_A_30_STAR_B));
        Map<String, String> before = TreeSnapshot.of(root);

        Cli fix = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Cli.run("fix", "--root", root.toString(),
                "--playbook", playbook.toString(), "--allow-unsigned-playbook"));

        assertEquals(0, fix.exit, fix.toString()); // nothing matched: nothing to fix
        before.keySet().removeIf(k -> k.startsWith("bootmedic"));
        Map<String, String> after = TreeSnapshot.of(root);
        after.keySet().removeIf(k -> k.startsWith("bootmedic"));
        assertEquals(before, after);
    }

    @Test
    void fixRefusesAPlaybookWithAThousandStarGlob() throws IOException {
        Path root = tmp.resolve("c");
        PracticeTree.create(root);
        Path playbook = tmp.resolve("p.json");
        Files.writeString(playbook, PlaybookTest.playbook(PracticeTree.CROWDSTRIKE_DIR).replace("C-00000291*.sys", STARS_THEN_X));
        Map<String, String> before = TreeSnapshot.of(root);

        Cli fix = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Cli.run("fix", "--root", root.toString(),
                "--playbook", playbook.toString(), "--allow-unsigned-playbook"));

        assertEquals(2, fix.exit, fix.toString());
        assertTrue(fix.err.contains("glob is 1001 characters long"), fix.err);
        assertEquals(before, TreeSnapshot.of(root));
    }
}
