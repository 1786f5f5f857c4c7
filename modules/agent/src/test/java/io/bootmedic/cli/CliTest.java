package io.bootmedic.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line as an admin or a script uses it: exit codes, messages, report files. */
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;
    Path root;

    @BeforeEach
    void tree() throws IOException {
        root = tmp.resolve("c");
        PracticeTree.create(root);
    }

    @Test
    void fixWritesTheReportToTheVolumeTheOutboxAndTheReportFile() throws IOException {
        Path outbox = tmp.resolve("usb/outbox");
        Path reportFile = tmp.resolve("report.json");
        Cli fix = Cli.run("fix", "--root", root.toString(), "--outbox", outbox.toString(), "--report", reportFile.toString());
        assertEquals(0, fix.exit, fix.toString());
        assertTrue(fix.out.contains("FIXED"), fix.out);

        JsonNode report = JSON.readTree(reportFile.toFile());
        String runId = report.get("runId").asText();
        assertEquals("bootmedic.report/v1", report.get("schema").asText());
        assertEquals("mounted-root", report.get("mode").asText());
        assertEquals("fixed", report.get("outcome").asText());
        JsonNode volume = report.get("volumes").get(0);
        assertEquals("fixed", volume.get("outcome").asText());
        assertEquals("n/a", volume.get("journal").asText());
        assertEquals(PracticeTree.COMPUTER_NAME, volume.get("windows").get("computerName").asText(), "read from the volume's SYSTEM hive");
        assertEquals("Windows 11 Enterprise", volume.get("windows").get("productName").asText());
        assertEquals("22631.3880", volume.get("windows").get("build").asText());
        assertTrue(fix.out.contains(PracticeTree.COMPUTER_NAME), fix.out);
        assertTrue(report.get("host").has("biosSerial"));
        JsonNode faulty = volume.get("actions").get(0);
        assertEquals("faulty", faulty.get("verdict").asText());
        assertEquals("quarantined", faulty.get("action").asText());
        assertEquals(Files.readString(reportFile), Files.readString(outbox.resolve(runId + ".json")));
        assertEquals(Files.readString(reportFile), Files.readString(root.resolve("bootmedic/reports/" + runId + ".json")));
    }

    @Test
    void scanAndDryRunChangeNothingAndExitOne() throws IOException {
        Map<String, String> before = TreeSnapshot.of(root);
        Cli scan = Cli.run("scan", "--root", root.toString(), "--json");
        assertEquals(1, scan.exit, scan.toString());
        JsonNode report = JSON.readTree(scan.out);
        assertEquals("would-quarantine", report.get("volumes").get(0).get("actions").get(0).get("action").asText());
        Cli dry = Cli.run("fix", "--dry-run", "--root", root.toString());
        assertEquals(1, dry.exit, dry.toString());
        assertTrue(dry.out.contains("WORK FOUND"), dry.out);
        assertEquals(before, TreeSnapshot.of(root));
    }

    @Test
    void secondFixIsCleanAndUndoPutsTheFileBack() throws IOException {
        String sha = TreeSnapshot.sha256(root.resolve(PracticeTree.CROWDSTRIKE_DIR).resolve(PracticeTree.FAULTY));
        assertEquals(0, Cli.run("fix", "--root", root.toString()).exit);
        Cli again = Cli.run("fix", "--root", root.toString(), "--json");
        assertEquals(0, again.exit, again.toString());
        assertEquals("clean", JSON.readTree(again.out).get("outcome").asText());
        Cli undo = Cli.run("undo", "--root", root.toString());
        assertEquals(0, undo.exit, undo.toString());
        assertTrue(undo.out.contains("UNDONE"), undo.out);
        assertEquals(sha, TreeSnapshot.sha256(root.resolve(PracticeTree.CROWDSTRIKE_DIR).resolve(PracticeTree.FAULTY)));
    }

    @Test
    void anEmptyTreeExitsFourWithWhatToDo() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Cli scan = Cli.run("fix", "--root", empty.toString());
        assertEquals(4, scan.exit, scan.toString());
        assertTrue(scan.out.contains("NO WINDOWS FOUND") && scan.out.contains("point --root at the root"), scan.out);
    }

    @Test
    void usageErrorsExitTwo() {
        Cli none = Cli.run("fix");
        assertEquals(2, none.exit, none.toString());
        assertTrue(none.err.contains("say where Windows is"), none.err);
        Cli both = Cli.run("fix", "--root", root.toString(), "--all");
        assertEquals(2, both.exit, both.toString());
        assertEquals(2, Cli.run("fix", "--no-such-option").exit);
    }

    @Test
    void signedPlaybookFromAFileWorksAndATamperedOneIsRefused() throws IOException {
        Path priv = tmp.resolve("sign.key");
        Path pub = tmp.resolve("sign.pub");
        assertEquals(0, Cli.run("playbook", "keygen", "--private", priv.toString(), "--public", pub.toString()).exit);
        Path playbook = tmp.resolve("cs.json");
        Files.copy(Path.of("agent/playbooks/crowdstrike-cf291-2024-07-19.json"), playbook);
        Cli sign = Cli.run("playbook", "sign", "--key", priv.toString(), playbook.toString());
        assertEquals(0, sign.exit, sign.toString());
        assertEquals(0, Cli.run("playbook", "verify", "--trusted-key", pub.toString(), playbook.toString()).exit);

        Cli fix = Cli.run("fix", "--root", root.toString(), "--playbook", playbook.toString(), "--trusted-key", pub.toString());
        assertEquals(0, fix.exit, fix.toString());

        Files.writeString(playbook, Files.readString(playbook).replace("C-00000291*.sys", "C-0000029*.sys"));
        Map<String, String> before = TreeSnapshot.of(root);
        Cli refused = Cli.run("fix", "--root", root.toString(), "--playbook", playbook.toString(), "--trusted-key", pub.toString());
        assertEquals(2, refused.exit, refused.toString());
        assertTrue(refused.err.contains("changed after signing") && refused.err.contains("Nothing was changed"), refused.err);
        assertEquals(before, TreeSnapshot.of(root));
        Cli verify = Cli.run("playbook", "verify", "--trusted-key", pub.toString(), playbook.toString());
        assertEquals(1, verify.exit);
        assertTrue(verify.err.contains("REFUSED"), verify.err);
    }

    @Test
    void unsignedPlaybookNeedsTheExplicitFlag() throws IOException {
        Path playbook = tmp.resolve("mine.json");
        Files.copy(Path.of("agent/playbooks/crowdstrike-cf291-2024-07-19.json"), playbook);
        Cli refused = Cli.run("scan", "--root", root.toString(), "--playbook", playbook.toString());
        assertEquals(2, refused.exit);
        assertTrue(refused.err.contains("--allow-unsigned-playbook"), refused.err);
        Cli allowed = Cli.run("scan", "--root", root.toString(), "--playbook", playbook.toString(), "--allow-unsigned-playbook");
        assertEquals(1, allowed.exit, allowed.toString());
        assertFalse(allowed.out.isEmpty());
    }

    @Test
    void helpExplainsExitCodes() {
        Cli help = Cli.run("fix", "--help");
        assertEquals(0, help.exit);
        assertTrue(help.out.contains("Exit 0") && help.out.contains("--dry-run") && help.out.contains("--root"), help.out);
    }

    @Test
    void eachCommandShowsOnlyTheOptionsItUses() {
        Cli info = Cli.run("bitlocker", "info", "--help");
        assertEquals(0, info.exit);
        assertTrue(info.out.contains("--image") && info.out.contains("--device"), info.out);
        for (String unused : List.of("--journal", "--quarantine-dir", "--root", "--all", "--key-file", "--recovery-password")) {
            assertFalse(info.out.contains(unused), "bitlocker info needs no " + unused + ":\n" + info.out);
        }
        Cli decrypt = Cli.run("bitlocker", "decrypt", "--help");
        assertTrue(decrypt.out.contains("--key-file") && decrypt.out.contains("--out"), decrypt.out);
        assertFalse(decrypt.out.contains("--journal") || decrypt.out.contains("--root"), decrypt.out);
        Cli scan = Cli.run("scan", "--help");
        assertFalse(scan.out.contains("--journal") || scan.out.contains("--quarantine-dir"), "scan changes nothing:\n" + scan.out);
        for (String changes : List.of("fix", "undo")) {
            Cli help = Cli.run(changes, "--help");
            assertTrue(help.out.contains("--journal") && help.out.contains("--quarantine-dir"), changes + ":\n" + help.out);
        }
        Cli both = Cli.run("bitlocker", "info", "--image", "a.img", "--device", "/dev/null");
        assertEquals(2, both.exit);
        assertTrue(both.err.contains("only one of --image and --device"), both.err);
    }

    @Test
    void leavingSafeModeAndRestartingOnlyFollowAFinishedFix() throws IOException {
        Cli fix = Cli.run("fix", "--root", root.toString(), "--clear-safeboot", "--reboot");
        assertEquals(0, fix.exit, fix.toString());
        assertTrue(fix.out.contains("act on the Windows machine bootmedic runs on"), fix.out);
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Cli failed = Cli.run("fix", "--root", empty.toString(), "--reboot", "5");
        assertEquals(4, failed.exit);
        assertTrue(failed.out.contains("not leaving safe mode and not restarting"), failed.out);
    }
}
