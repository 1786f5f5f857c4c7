package io.bootmedic.playbook;

import io.bootmedic.fs.RelPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlaybookTest {
    @TempDir
    Path dir;

    static String playbook(String directory) {
        return """
                { "id": "test", "title": "test playbook",
                  "rules": [ { "directory": "%s", "glob": "C-00000291*.sys", "headerHex": "AAAAAAAA",
                               "modifiedBefore": "2024-07-19T05:27:00Z", "action": "quarantine" } ] }
                """.formatted(directory);
    }

    @Test
    void builtinPlaybookIsTheCrowdStrikeOne() {
        Playbook p = PlaybookLoader.builtin();
        assertEquals("crowdstrike-cf291-2024-07-19", p.id());
        Rule r = p.rules().get(0);
        assertEquals(RelPath.of("Windows/System32/drivers/CrowdStrike"), r.directory());
        assertArrayEquals(new byte[]{(byte) 0xAA, (byte) 0xAA, (byte) 0xAA, (byte) 0xAA}, r.header());
        assertEquals(Instant.parse("2024-07-19T05:27:00Z"), r.modifiedBefore());
        assertTrue(r.matchesName("c-00000291-00000000-00000032.SYS"), "NTFS names match case-insensitively");
        assertTrue(!r.matchesName("C-00000290-00000000-00000032.sys"));
        assertTrue(!r.matchesName("C-00000291.sys.bak"));
    }

    @Test
    void refusesRulesThatLeaveTheVolume() {
        for (String bad : new String[]{"Windows/../../etc", "C:\\\\Windows", "/Windows", ".."}) {
            PlaybookException e = assertThrows(PlaybookException.class,
                    () -> PlaybookParser.parse(playbook(bad).getBytes(StandardCharsets.UTF_8), "t.json"), bad);
            assertTrue(e.getMessage().contains("rule 1"), e.getMessage());
        }
    }

    @Test
    void aPlaybookNamingAWindowsDeviceIsRefusedWithExitCode2() throws Exception {
        // issue 21 #4, as the technician meets it: one line naming the file and the device, exit 2, nothing changed
        Path root = dir.resolve("c");
        io.bootmedic.practice.PracticeTree.create(root);
        java.util.Map<String, String> before = io.bootmedic.testutil.TreeSnapshot.of(root);
        for (String directory : new String[]{"Windows/System32/drivers/nul", "Windows/COM1.sys", "Windows/System32/CONOUT$"}) {
            Path file = Files.writeString(dir.resolve("device.json"), playbook(directory));
            io.bootmedic.testutil.Cli run = io.bootmedic.testutil.Cli.run("fix", "--root", root.toString(), "--playbook", file.toString(),
                    "--allow-unsigned-playbook");
            assertEquals(2, run.exit, run.toString());
            assertTrue(run.err.startsWith("bootmedic: playbook refused: rule 1 of playbook " + file) && run.err.contains("opens as the device"),
                    run.err);
            assertTrue(!run.err.contains("Exception"), run.err);
            assertEquals(before, io.bootmedic.testutil.TreeSnapshot.of(root), run.toString());
        }
    }

    @Test
    void refusesUnknownFieldsSoATypoCannotWidenARule() {
        String typo = playbook("Windows/System32").replace("modifiedBefore", "modifedBefore");
        PlaybookException e = assertThrows(PlaybookException.class, () -> PlaybookParser.parse(typo.getBytes(StandardCharsets.UTF_8), "t.json"));
        assertTrue(e.getMessage().contains("unknown field 'modifedBefore'"), e.getMessage());
    }

    @Test
    void refusesGlobsWithSeparatorsOrMatchingEverything() {
        for (String glob : new String[]{"../x.sys", "a/b.sys", "*", "*?*"}) {
            String json = playbook("Windows").replace("C-00000291*.sys", glob);
            assertThrows(PlaybookException.class, () -> PlaybookParser.parse(json.getBytes(StandardCharsets.UTF_8), "t.json"), glob);
        }
    }

    @Test
    void signedPlaybookLoadsAndTamperedOneIsRefused() throws Exception {
        SigningKey key = SigningKey.generate();
        Path pub = dir.resolve("k.pub");
        Files.writeString(pub, PlaybookKeys.publicKeyLine(key.verifyingKey()));
        Path file = dir.resolve("p.json");
        Files.writeString(file, playbook("Windows/System32/drivers/CrowdStrike"));
        Files.write(dir.resolve("p.json.sig"), PlaybookSignature.sign(Files.readAllBytes(file), key));

        PlaybookLoader loader = new PlaybookLoader(PlaybookLoader.trustedKeys(List.of(pub), List.of()), false);
        assertEquals("test", loader.load(file).id());

        Files.writeString(file, playbook("Windows/System32/drivers/CrowdStrike").replace("05:27", "23:59"));
        PlaybookException e = assertThrows(PlaybookException.class, () -> loader.load(file));
        assertTrue(e.getMessage().contains("changed after signing"), e.getMessage());

        // the explicit escape hatch still parses and checks the rules
        assertEquals("test", new PlaybookLoader(List.of(), true).load(file).id());
    }

    @Test
    void unsignedOrUntrustedPlaybookIsRefusedWithAWayOut() throws Exception {
        Path file = dir.resolve("p.json");
        Files.writeString(file, playbook("Windows/System32/drivers/CrowdStrike"));
        PlaybookException unsigned = assertThrows(PlaybookException.class, () -> new PlaybookLoader(List.of(), false).load(file));
        assertTrue(unsigned.getMessage().contains("not signed") && unsigned.getMessage().contains("--allow-unsigned-playbook"), unsigned.getMessage());

        Files.write(dir.resolve("p.json.sig"), PlaybookSignature.sign(Files.readAllBytes(file), SigningKey.generate()));
        SigningKey other = SigningKey.generate();
        PlaybookException untrusted = assertThrows(PlaybookException.class,
                () -> new PlaybookLoader(List.of(other.verifyingKey()), false).load(file));
        assertTrue(untrusted.getMessage().contains("not trusted"), untrusted.getMessage());
    }
}
