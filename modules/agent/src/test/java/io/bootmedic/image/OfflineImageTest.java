package io.bootmedic.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.Tools;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Offline repair of real GPT disk images (built with sgdisk, mkfs.fat and mkntfs), checked with
 * ntfs-3g's own tools on the partition, which share no code path with bootmedic's block stack.
 */
class OfflineImageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FAULTY = PracticeTree.CROWDSTRIKE_DIR + "/" + PracticeTree.FAULTY;
    @TempDir
    Path tmp;
    Path disk;

    @BeforeEach
    void disk() throws Exception {
        disk = Tools.practiceDisk(tmp.resolve("disk.img"), 256);
        Cli fill = Cli.run("practice-tree", "--image", disk.toString());
        assertEquals(0, fill.exit, fill.toString());
    }

    private Path partition(int n) throws Exception {
        return Tools.partition(disk, n, tmp.resolve("part" + n + ".ntfs"));
    }

    private static Tools.Result ntfscat(Path part, String path) throws Exception {
        return Tools.run(List.of("ntfscat", part.toString(), path));
    }

    private static String ntfscatSha(Path part, String path) throws Exception {
        return Tools.ntfscatSha(part, path);
    }

    @Test
    void fixesAGptDiskImageAndNtfs3gAgrees() throws Exception {
        String sha = ntfscatSha(partition(3), FAULTY);

        Cli scan = Cli.run("scan", "--image", disk.toString(), "--json");
        assertEquals(1, scan.exit, scan.toString());
        JsonNode scanned = JSON.readTree(scan.out);
        assertEquals("offline-image", scanned.get("mode").asText());
        assertEquals("clean", scanned.get("volumes").get(0).get("journal").asText());
        assertEquals(PracticeTree.COMPUTER_NAME, scanned.get("volumes").get(0).get("windows").get("computerName").asText());

        Path reportFile = tmp.resolve("report.json");
        Cli fix = Cli.run("fix", "--image", disk.toString(), "--report", reportFile.toString());
        assertEquals(0, fix.exit, fix.toString());
        JsonNode report = JSON.readTree(reportFile.toFile());
        JsonNode action = report.get("volumes").get(0).get("actions").get(0);
        assertEquals("quarantined", action.get("action").asText());
        assertTrue(report.get("volumes").get(0).get("volumeId").asText().startsWith("ntfs:"));

        Path part = partition(3);
        assertEquals(1, ntfscat(part, FAULTY).exit(), "ntfscat: the faulty file is gone from its folder");
        assertEquals(action.get("sha256").asText(), ntfscatSha(part, action.get("quarantinePath").asText()));
        assertEquals(0, ntfscat(part, PracticeTree.CROWDSTRIKE_DIR + "/" + PracticeTree.REVERTED).exit());
        assertEquals(0, ntfscat(part, "bootmedic/reports/" + report.get("runId").asText() + ".json").exit(), "the report travels with the disk");
        String listing = Tools.ok("ntfsls", "-p", "/" + PracticeTree.CROWDSTRIKE_DIR, part.toString());
        assertFalse(listing.contains(PracticeTree.FAULTY), listing);
        assertTrue(listing.contains(PracticeTree.OTHER_CHANNEL), listing);
        Tools.ok("ntfsfix", "-n", part.toString());

        Cli again = Cli.run("fix", "--image", disk.toString());
        assertEquals(0, again.exit, again.toString());
        assertTrue(again.out.contains("NOTHING TO FIX"), again.out);

        Cli undo = Cli.run("undo", "--image", disk.toString());
        assertEquals(0, undo.exit, undo.toString());
        assertEquals(action.get("sha256").asText(), ntfscatSha(partition(3), FAULTY));
        assertEquals(sha, action.get("sha256").asText());
    }

    @Test
    void dryRunOfAnImageChangesNoByte() throws Exception {
        String before = TreeSnapshot.sha256(disk);
        assertEquals(1, Cli.run("fix", "--dry-run", "--image", disk.toString()).exit);
        assertEquals(1, Cli.run("scan", "--image", disk.toString()).exit);
        assertEquals(before, TreeSnapshot.sha256(disk));
    }

    @Test
    void aPartitionImageWithoutATableIsRepairedToo() throws Exception {
        Path part = partition(3);
        Cli fix = Cli.run("fix", "--image", part.toString());
        assertEquals(0, fix.exit, fix.toString());
        assertEquals(1, ntfscat(part, FAULTY).exit());
    }

    @Test
    void aDamagedPrimaryGptFallsBackToTheBackup() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.seek(512 + 40); // first usable LBA: inside the CRC-protected header
            f.write(new byte[]{1, 2, 3, 4});
        }
        Cli scan = Cli.run("scan", "--image", disk.toString());
        assertEquals(1, scan.exit, scan.toString());
        assertTrue(scan.out.contains("faulty"), scan.out);
        assertTrue(scan.err.contains("warning: primary GPT is damaged"), "the admin is told: " + scan.err);

        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.seek(f.length() - 512 + 40);
            f.write(new byte[]{1, 2, 3, 4});
        }
        String before = TreeSnapshot.sha256(disk);
        Cli broken = Cli.run("fix", "--image", disk.toString());
        assertEquals(2, broken.exit, "a refused input: " + broken);
        assertTrue(broken.err.contains("both GPT copies") && broken.err.contains("nothing was written"), broken.err);
        assertEquals(before, TreeSnapshot.sha256(disk));
    }

    @Test
    void aTruncatedImageIsAClearErrorAndUntouched() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(150L * 1024 * 1024);
        }
        String before = TreeSnapshot.sha256(disk);
        Cli fix = Cli.run("fix", "--image", disk.toString());
        assertEquals(2, fix.exit, "a refused input: " + fix);
        assertTrue(fix.err.contains("outside") || fix.err.contains("truncated") || fix.err.contains("cut short"), fix.err);
        assertEquals(before, TreeSnapshot.sha256(disk));
    }

    @Test
    void aDiskWithoutWindowsExitsFour() throws Exception {
        Path linux = tmp.resolve("linux.img");
        Tools.ok("truncate", "-s", "64M", linux.toString());
        Tools.ok("sgdisk", "-n", "1:2048:0", "-t", "1:8300", linux.toString());
        Cli scan = Cli.run("scan", "--image", linux.toString());
        assertEquals(4, scan.exit, scan.toString());
        assertTrue(scan.out.contains("NO WINDOWS FOUND"), scan.out);
    }

    @Test
    void aHibernatedVolumeGetsOnlyTheFileDataZeroedAndCanBeUndone() throws Exception {
        // Fast Startup leaves hiberfil.sys starting with "HIBR": Windows will resume that session and
        // trust its cached metadata, so only the file's own data clusters may change
        Path part = partition(3);
        Path hib = tmp.resolve("hiberfil.sys");
        byte[] header = new byte[4096];
        System.arraycopy("HIBR".getBytes(), 0, header, 0, 4);
        Files.write(hib, header);
        Tools.ok("ntfscp", "-f", part.toString(), hib.toString(), "hiberfil.sys");
        String originalSha = ntfscatSha(part, FAULTY);
        byte[] before = Files.readAllBytes(part);
        Path qdir = tmp.resolve("host-quarantine");

        Cli fix = Cli.run("fix", "--image", part.toString(), "--quarantine-dir", qdir.toString(), "--json");

        assertEquals(0, fix.exit, fix.toString());
        JsonNode volume = JSON.readTree(fix.out).get("volumes").get(0);
        assertEquals("hibernated", volume.get("journal").asText());
        JsonNode action = volume.get("actions").get(0);
        assertEquals("neutralized", action.get("action").asText());
        Path copy = Path.of(action.get("quarantinePath").asText());
        assertTrue(copy.startsWith(qdir), copy.toString());
        assertEquals(originalSha, TreeSnapshot.sha256(copy), "the original bytes are kept on the host");

        byte[] after = Files.readAllBytes(part);
        int changed = 0;
        for (int i = 0; i < before.length; i++) {
            if (before[i] != after[i]) {
                changed++;
                assertEquals(0, after[i], "every changed byte is a zeroed data byte");
            }
        }
        assertTrue(changed > 0 && changed <= 40_960, "only the file's 40 KiB of data changed, not metadata: " + changed);
        assertEquals(TreeSnapshot.sha256(Files.write(tmp.resolve("z"), new byte[40_960])), ntfscatSha(part, FAULTY),
                "ntfs-3g reads the file as 40 KiB of zeros");

        Cli again = Cli.run("fix", "--image", part.toString(), "--quarantine-dir", qdir.toString());
        assertEquals(0, again.exit, again.toString());
        assertTrue(again.out.contains("NOTHING TO FIX"), again.out);

        Cli undo = Cli.run("undo", "--image", part.toString(), "--quarantine-dir", qdir.toString());
        assertEquals(0, undo.exit, undo.toString());
        assertEquals(originalSha, ntfscatSha(part, FAULTY));
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(part)), "undo restores the volume byte for byte");
    }

    /** A host-side neutralize journal whose copy points at another file of this host: undo restores nothing. */
    @Test
    void aChangedNeutralizeJournalCannotMakeUndoReadAnotherHostFileIntoTheDisk() throws Exception {
        Path part = partition(3);
        Path hib = tmp.resolve("hiberfil.sys");
        byte[] header = new byte[4096];
        System.arraycopy("HIBR".getBytes(), 0, header, 0, 4);
        Files.write(hib, header);
        Tools.ok("ntfscp", "-f", part.toString(), hib.toString(), "hiberfil.sys");
        Path qdir = tmp.resolve("host-quarantine");
        assertEquals(0, Cli.run("fix", "--image", part.toString(), "--quarantine-dir", qdir.toString()).exit);
        Path journal;
        try (var files = Files.walk(qdir)) {
            journal = files.filter(f -> f.getFileName().toString().equals("journal.json")).findFirst().orElseThrow();
        }
        Path secret = Files.writeString(tmp.resolve("host-secret.txt"), "not for the disk");
        String changed = Files.readString(journal).replaceAll("\"copy\"\\s*:\\s*\"[^\"]*\"",
                "\"copy\": \"" + journal.getParent().relativize(secret).toString().replace("\\", "/") + "\"");
        Files.writeString(journal, changed);
        byte[] before = Files.readAllBytes(part);

        Cli undo = Cli.run("undo", "--image", part.toString(), "--quarantine-dir", qdir.toString());

        assertEquals(2, undo.exit, undo.toString());
        assertTrue(undo.err.contains("names a host-side copy other than files/"), undo.err);
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(part)), "nothing written to the disk");
    }

    @Test
    void aCrashedVolumeIsNeutralizedByDefaultOrRepairedWithJournalReset() throws Exception {
        Path part = partition(3);
        io.bootmedic.testutil.UncleanLog.make(part);
        String originalSha = ntfscatSha(part, FAULTY);
        Path qdir = tmp.resolve("q");

        Cli scan = Cli.run("scan", "--image", part.toString(), "--json");
        assertEquals("unclean", JSON.readTree(scan.out).get("volumes").get(0).get("journal").asText(), scan.toString());

        Path copy = tmp.resolve("copy.ntfs");
        Files.copy(part, copy);
        Cli neutralize = Cli.run("fix", "--image", part.toString(), "--quarantine-dir", qdir.toString(), "--json");
        assertEquals(0, neutralize.exit, neutralize.toString());
        assertEquals("neutralized", JSON.readTree(neutralize.out).get("volumes").get(0).get("actions").get(0).get("action").asText());
        assertEquals("unclean", JSON.readTree(Cli.run("scan", "--image", part.toString(), "--json").out).get("volumes").get(0).get("journal").asText(),
                "the journal is left for Windows to replay");

        Cli reset = Cli.run("fix", "--image", copy.toString(), "--journal", "reset", "--json");
        assertEquals(0, reset.exit, reset.toString());
        JsonNode volume = JSON.readTree(reset.out).get("volumes").get(0);
        assertEquals("quarantined", volume.get("actions").get(0).get("action").asText());
        assertTrue(volume.get("notes").toString().contains("chkdsk"), volume.toString());
        // the volume is now marked dirty, so ntfs-3g's tools need --force to read it
        Tools.Result refused = Tools.run(List.of("ntfscat", copy.toString(), PracticeTree.CROWDSTRIKE_DIR + "/" + PracticeTree.REVERTED));
        assertTrue(refused.exit() != 0 && refused.out().contains("scheduled for check"), "marked for chkdsk: " + refused.out());
        assertEquals(1, Tools.run(List.of("ntfscat", "-f", copy.toString(), FAULTY)).exit());
        Process p = new ProcessBuilder("ntfscat", "-f", copy.toString(), volume.get("actions").get(0).get("quarantinePath").asText()).start();
        byte[] bytes = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        assertEquals(originalSha, java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes)));
    }

    @Test
    void journalResetIsRefusedOnAHibernatedVolume() throws Exception {
        Path part = partition(3);
        Path hib = Files.write(tmp.resolve("hiberfil.sys"), "HIBR".getBytes());
        Tools.ok("ntfscp", "-f", part.toString(), hib.toString(), "hiberfil.sys");
        String before = TreeSnapshot.sha256(part);
        Cli reset = Cli.run("fix", "--image", part.toString(), "--journal", "reset");
        assertEquals(1, reset.exit, reset.toString());
        assertTrue(reset.err.contains("hibernated") && reset.err.contains("Nothing was changed"), reset.err);
        assertEquals(before, TreeSnapshot.sha256(part));
    }

    @Test
    void anMbrDiskWithTheNtfsPartitionInsideAnExtendedPartition() throws Exception {
        // an old BIOS-era layout: a primary FAT partition, then an extended partition holding a logical NTFS one
        Path part = partition(3);
        long sectors = Files.size(part) / 512;
        Path mbr = tmp.resolve("mbr.img");
        Tools.ok("truncate", "-s", Long.toString((2048 + 65536 + 2048 + sectors + 2048) * 512), mbr.toString());
        Path layout = Files.writeString(tmp.resolve("layout.sfdisk"), "label: dos\n"
                + "start=2048, size=65536, type=c\n"
                + "start=" + (2048 + 65536) + ", type=5\n"
                + "start=" + (2048 + 65536 + 2048) + ", size=" + sectors + ", type=7\n");
        Tools.ok("bash", "-c", "sfdisk --no-reread --no-tell-kernel " + mbr + " < " + layout);
        String dump = Tools.ok("sfdisk", "-d", mbr.toString());
        long start = dump.lines().filter(l -> l.contains("type=7")).map(l -> Long.parseLong(l.replaceAll(".*start=\\s*(\\d+).*", "$1")))
                .findFirst().orElseThrow();
        Tools.ok("dd", "if=" + part, "of=" + mbr, "bs=512", "seek=" + start, "conv=notrunc,sparse", "status=none");

        Cli fix = Cli.run("fix", "--image", mbr.toString(), "--json");
        assertEquals(0, fix.exit, fix.toString());
        JsonNode volume = JSON.readTree(fix.out).get("volumes").get(0);
        assertEquals("mbr.img partition 5", volume.get("label").asText(), "logical partitions are numbered from 5");
        assertEquals("quarantined", volume.get("actions").get(0).get("action").asText());
    }
}
