package io.bootmedic.bitlocker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.EncryptedPracticeVolume;
import io.bootmedic.testutil.Tools;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** fix --image on a BitLocker volume, checked by decrypting it with dislocker and reading it with ntfs-3g. */
class EncryptedRepairTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FAULTY = PracticeTree.CROWDSTRIKE_DIR + "/" + PracticeTree.FAULTY;
    @TempDir
    Path tmp;

    private Path decryptWithDislocker(Path image) throws Exception {
        Path out = tmp.resolve("dislocker-" + System.nanoTime() + ".raw");
        Tools.ok("dislocker-file", "-V", image.toString(), "-u" + EncryptedPracticeVolume.PASSWORD, "--", out.toString());
        return out;
    }

    @Test
    void repairsAnEncryptedVolumeWithItsRecoveryPassword() throws Exception {
        Path image = EncryptedPracticeVolume.make(tmp);
        String sha = Tools.ntfscatSha(decryptWithDislocker(image), FAULTY);

        Cli locked = Cli.run("scan", "--image", image.toString(), "--json");
        assertEquals(3, locked.exit, locked.toString());
        JsonNode lockedVolume = JSON.readTree(locked.out).get("volumes").get(0);
        assertEquals("locked", lockedVolume.get("outcome").asText());
        assertEquals(EncryptedPracticeVolume.RECOVERY_KEY_ID, lockedVolume.get("bitlocker").get("recoveryKeyId").asText());
        assertTrue(lockedVolume.get("error").asText().contains(EncryptedPracticeVolume.RECOVERY_KEY_ID), lockedVolume.toString());

        String before = TreeSnapshot.sha256(image);
        String wrong = "111111-357951-253979-013365-241120-245575-342914-591910";
        Cli wrongKey = Cli.run("fix", "--image", image.toString(), "--recovery-password", wrong);
        assertEquals(3, wrongKey.exit, wrongKey.toString());
        assertTrue(wrongKey.out.contains("wrong recovery password for key ID {" + EncryptedPracticeVolume.RECOVERY_KEY_ID + "}"), wrongKey.out);
        assertFalse(wrongKey.out.contains("111111") || wrongKey.err.contains("111111"), "no password digits in any output");
        assertEquals(before, TreeSnapshot.sha256(image), "a wrong key writes nothing");

        Cli fix = Cli.run("fix", "--image", image.toString(), "--recovery-password", EncryptedPracticeVolume.RECOVERY_PASSWORD, "--json");
        assertEquals(0, fix.exit, fix.toString());
        assertFalse(fix.out.contains(EncryptedPracticeVolume.RECOVERY_PASSWORD) || fix.out.contains("235818"), "the password is not in the report");
        JsonNode volume = JSON.readTree(fix.out).get("volumes").get(0);
        assertEquals("unlocked", volume.get("bitlocker").get("state").asText());
        assertEquals("XTS-AES-128", volume.get("bitlocker").get("method").asText());
        assertEquals("argument", volume.get("bitlocker").get("keySource").asText());
        assertTrue(volume.get("bitlocker").get("recoveryPasswordUsed").asBoolean(), "a used recovery password is reported for rotation");
        assertEquals(PracticeTree.COMPUTER_NAME, volume.get("windows").get("computerName").asText());
        JsonNode action = volume.get("actions").get(0);
        assertEquals("quarantined", action.get("action").asText());

        Path decrypted = decryptWithDislocker(image);
        assertEquals(1, Tools.run(List.of("ntfscat", decrypted.toString(), FAULTY)).exit(), "dislocker + ntfs-3g: the faulty file is gone");
        assertEquals(sha, Tools.ntfscatSha(decrypted, action.get("quarantinePath").asText()));
        Tools.ok("ntfsfix", "-n", decrypted.toString());

        Cli undo = Cli.run("undo", "--image", image.toString(), "--password", EncryptedPracticeVolume.PASSWORD);
        assertEquals(0, undo.exit, undo.toString());
        assertEquals(sha, Tools.ntfscatSha(decryptWithDislocker(image), FAULTY));
    }

    @Test
    void findsTheKeyInAGraphExportByKeyIdAndNeverPrintsIt() throws Exception {
        Path image = EncryptedPracticeVolume.make(tmp);
        String rp = EncryptedPracticeVolume.RECOVERY_PASSWORD;
        Path export = java.nio.file.Files.writeString(tmp.resolve("entra.json"), "{\"value\":["
                + "{\"id\":\"11111111-2222-3333-4444-555555555555\",\"key\":\"199067-214280-266398-508123-023584-402875-562793-012067\",\"displayName\":\"OTHER\"},"
                + "{\"id\":\"" + EncryptedPracticeVolume.RECOVERY_KEY_ID.toLowerCase() + "\",\"key\":\"" + rp + "\",\"displayName\":\"PRACTICE-PC01\"}]}");
        List<Cli> runs = new java.util.ArrayList<>();

        Cli lookup = Cli.run("keys", "lookup", EncryptedPracticeVolume.RECOVERY_KEY_ID.substring(0, 8), "--key-file", export.toString());
        runs.add(lookup);
        assertEquals(0, lookup.exit, lookup.toString());
        assertTrue(lookup.out.contains("PRACTICE-PC01"), lookup.out);

        Cli fix = Cli.run("fix", "--image", image.toString(), "--key-file", export.toString(), "--json");
        runs.add(fix);
        assertEquals(0, fix.exit, fix.toString());
        JsonNode bitlocker = JSON.readTree(fix.out).get("volumes").get(0).get("bitlocker");
        assertEquals("key-file", bitlocker.get("keySource").asText());
        assertTrue(bitlocker.get("recoveryPasswordUsed").asBoolean());
        runs.add(Cli.run("undo", "--image", image.toString(), "--key-file", export.toString()));
        runs.add(Cli.run("keys", "check", rp));

        for (Cli run : runs) {
            for (String group : rp.split("-")) {
                if (!group.equals("357951")) { // that group also occurs in other test strings
                    assertFalse(run.out.contains(group) || run.err.contains(group), "a recovery password group leaked: " + run);
                }
            }
        }
        Cli reveal = Cli.run("keys", "lookup", EncryptedPracticeVolume.RECOVERY_KEY_ID, "--key-file", export.toString(), "--reveal");
        assertTrue(reveal.out.contains(rp), "only --reveal shows it");
    }

    @Test
    void asksAtTheConsoleWhenNothingElseOpensTheVolume() throws Exception {
        Path image = EncryptedPracticeVolume.make(tmp);
        java.io.InputStream stdin = System.in;
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream screen = new java.io.ByteArrayOutputStream();
        try {
            // first a wrong but well-formed password, then the right one, as a scanner types a whole line
            System.setIn(new java.io.ByteArrayInputStream(("111111-357951-253979-013365-241120-245575-342914-591910\n"
                    + EncryptedPracticeVolume.RECOVERY_PASSWORD + "\n").getBytes()));
            System.setErr(new java.io.PrintStream(screen, true));
            Cli fix = Cli.run("fix", "--image", image.toString(), "--prompt", "--json");
            assertEquals(0, fix.exit, fix + "\n" + screen);
            assertEquals("prompt", JSON.readTree(fix.out).get("volumes").get(0).get("bitlocker").get("keySource").asText());
        } finally {
            System.setIn(stdin);
            System.setErr(stderr);
        }
        String shown = screen.toString();
        assertTrue(shown.contains(EncryptedPracticeVolume.RECOVERY_KEY_ID) && shown.contains("wrong recovery password"), shown);
        assertFalse(shown.contains("235818"), "typed digits are not printed back");
    }

    @Test
    void anEncryptedWindowsPartitionInsideAGptDisk() throws Exception {
        Path volume = EncryptedPracticeVolume.make(tmp);
        Path disk = Tools.practiceDisk(tmp.resolve("disk.img"), 256);
        String info = Tools.ok("sgdisk", "-i", "3", disk.toString());
        long first = info.lines().filter(l -> l.startsWith("First sector")).map(l -> Long.parseLong(l.split("\\s+")[2])).findFirst().orElseThrow();
        Tools.ok("dd", "if=" + volume, "of=" + disk, "bs=512", "seek=" + first, "conv=notrunc,sparse", "status=none");

        Cli info2 = Cli.run("bitlocker", "info", "--image", disk.toString());
        assertEquals(0, info2.exit, info2.toString());
        assertTrue(info2.out.contains("disk.img partition 3") && info2.out.contains(EncryptedPracticeVolume.RECOVERY_KEY_ID), info2.out);

        Cli fix = Cli.run("fix", "--image", disk.toString(), "--recovery-password", EncryptedPracticeVolume.RECOVERY_PASSWORD, "--json");
        assertEquals(0, fix.exit, fix.toString());
        JsonNode v = JSON.readTree(fix.out).get("volumes").get(0);
        assertEquals("disk.img partition 3", v.get("label").asText());
        assertEquals("quarantined", v.get("actions").get(0).get("action").asText());

        Path part = Tools.partition(disk, 3, tmp.resolve("p3.bitlocker"));
        assertEquals(1, Tools.run(List.of("ntfscat", decryptWithDislocker(part).toString(), FAULTY)).exit(),
                "dislocker on the partition, then ntfs-3g: the faulty file is gone");
    }
}
