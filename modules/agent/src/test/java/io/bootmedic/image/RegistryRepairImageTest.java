package io.bootmedic.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A registry repair through the offline image route (libntfs-3g writes the staged hive and makes the two renames),
 * checked with ntfs-3g's own ntfscat and hivex, which share no code with bootmedic; then undone byte for byte.
 */
class RegistryRepairImageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SYSTEM = "Windows/System32/config/SYSTEM";
    private static final String NAME_KEY = "ControlSet001\\Control\\ComputerName\\ComputerName";

    @TempDir
    Path tmp;

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private String hivexget(Path disk, String path) throws Exception {
        Path part = Tools.partition(disk, 3, tmp.resolve("part-" + System.nanoTime() + ".ntfs"));
        Tools.Result cat = Tools.run(List.of("bash", "-c", "ntfscat \"$0\" \"$1\" > \"$2\"", part.toString(), path, tmp.resolve("hive").toString()));
        assertEquals(0, cat.exit(), cat.out());
        Tools.Result get = Tools.run(List.of("hivexget", tmp.resolve("hive").toString(), NAME_KEY, "ComputerName"));
        assertEquals(0, get.exit(), get.out());
        return get.out().strip();
    }

    @Test
    void aValueSetOnADiskImageIsReadBackByNtfs3gAndHivexAndUndoneByteForByte() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Tools.run(List.of("sh", "-c", "command -v hivexget")).exit() == 0,
                "hivexget is needed (libhivex-bin; bash scripts/setup-debian.sh installs it)");
        Path disk = Tools.practiceDisk(tmp.resolve("disk.img"), 256);
        assertEquals(0, Cli.run("practice-tree", "--image", disk.toString()).exit);
        String original = sha256(PracticeTree.systemHive(PracticeTree.COMPUTER_NAME));
        assertEquals(original, Tools.ntfscatSha(Tools.partition(disk, 3, tmp.resolve("p0.ntfs")), SYSTEM));

        Path playbook = Files.writeString(tmp.resolve("rename.json"), """
                {"id":"rename","title":"a value set through the image route","rules":[
                 {"id":"name","action":"set-registry","hive":"SYSTEM","key":"CurrentControlSet\\\\Control\\\\ComputerName\\\\ComputerName",
                  "value":"ComputerName","type":"REG_SZ","data":"REPAIRED-PC01"}]}
                """);
        Path reportFile = tmp.resolve("report.json");
        Cli fix = Cli.run("fix", "--image", disk.toString(), "--playbook", playbook.toString(), "--allow-unsigned-playbook", "--report",
                reportFile.toString());
        assertEquals(0, fix.exit, fix.toString());
        assertTrue(fix.out.contains("1 registry value(s) set"), fix.out);
        JsonNode report = JSON.readTree(reportFile.toFile());
        JsonNode action = report.get("volumes").get(0).get("actions").get(0);
        assertEquals("repaired", action.get("action").asText(), report.toString());
        assertEquals("\"" + PracticeTree.COMPUTER_NAME + "\" -> \"REPAIRED-PC01\"", action.get("detail").asText());

        assertEquals("REPAIRED-PC01", hivexget(disk, SYSTEM));
        String run = report.get("runId").asText();
        assertEquals(original, Tools.ntfscatSha(Tools.partition(disk, 3, tmp.resolve("p1.ntfs")), "bootmedic/quarantine/" + run + "/" + SYSTEM),
                "the old hive, byte for byte, in the quarantine");

        Cli undo = Cli.run("undo", "--image", disk.toString(), "--run", run);
        assertEquals(0, undo.exit, undo.toString());
        assertEquals(original, Tools.ntfscatSha(Tools.partition(disk, 3, tmp.resolve("p2.ntfs")), SYSTEM));
        assertEquals(PracticeTree.COMPUTER_NAME, hivexget(disk, SYSTEM));
    }
}
