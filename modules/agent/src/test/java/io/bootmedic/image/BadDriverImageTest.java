package io.bootmedic.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bootmedic.report.RunOutcome;
import io.bootmedic.testutil.BitLockerImages;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.SharedData;
import io.bootmedic.testutil.Tools;
import io.bootmedic.util.Sha256;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 25's "done means": a signed playbook that disables a driver, takes it out of the disk class's UpperFilters and
 * sets safe mode repairs a disk image from Linux — Windows 7's real SYSTEM hive on the NTFS partition, Windows 10's
 * real BCD on the FAT EFI system partition — as raw, qcow2 and VHDX, and with the Windows volume BitLocker-locked
 * (no key: only the BCD changes). Judged by tools that share no code with bootmedic (mtools, ntfs-3g, hivex,
 * fsck.fat, qemu-img check); then undone byte for byte.
 */
class BadDriverImageTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SYSTEM = "Windows/System32/config/SYSTEM";
    static final String DRIVER = "Windows/System32/drivers/badflt.sys";
    static final String BCD = "EFI/Microsoft/Boot/BCD";
    static final String SAFEBOOT = "\\Objects\\{733b62e5-f608-11eb-825c-c112f60133ab}\\Elements\\25000080";
    static final String DISK_CLASS = "\\ControlSet001\\Control\\Class\\{4d36e967-e325-11ce-bfc1-08002be10318}";
    static final byte[] DRIVER_BYTES = "MZ a bad filter driver, version 1.0".repeat(100).getBytes(StandardCharsets.US_ASCII);
    static final long ESP_OFFSET = 2048L * 512;

    @TempDir
    Path tmp;
    Path pub;
    Path playbook;
    byte[] bcd;

    @BeforeEach
    void prepare() throws Exception {
        for (String tool : List.of("hivexsh", "hivexget", "mcopy", "mtype", "ntfscp", "ntfscat", "fsck.fat", "sgdisk", "qemu-img")) {
            Assumptions.assumeTrue(Tools.run(List.of("sh", "-c", "command -v " + tool)).exit() == 0,
                    "skipped: " + tool + " is not installed (scripts/setup-debian.sh installs it)");
        }
        bcd = Files.readAllBytes(SharedData.unxz("registry/regipy/BCD.xz", tmp));
        Path priv = tmp.resolve("sign.key");
        pub = tmp.resolve("sign.pub");
        assertEquals(0, Cli.run("playbook", "keygen", "--private", priv.toString(), "--public", pub.toString()).exit);
        String when = "\"when\":{\"file\":\"" + DRIVER + "\",\"sha256\":[\"" + Sha256.of(DRIVER_BYTES) + "\"]}";
        playbook = Files.writeString(tmp.resolve("bad-driver.json"), """
                {"id":"badflt-2026-12","title":"badflt 1.0 bootloops Windows at boot: disable it, take it out of the disk filters, boot once in safe mode",
                 "rules":[
                  {"id":"disable","action":"disable-service","service":"badflt","start":"disabled",%s},
                  {"id":"unfilter","action":"remove-filter","classGuid":"{4d36e967-e325-11ce-bfc1-08002be10318}","list":"UpperFilters","name":"badflt",%s},
                  {"id":"safe","action":"safe-mode","mode":"minimal"}]}
                """.formatted(when, when));
        Cli sign = Cli.run("playbook", "sign", "--key", priv.toString(), playbook.toString());
        assertEquals(0, sign.exit, sign.toString());
    }

    /** Windows 7's real SYSTEM hive with the bad driver installed by hivex: a boot-start service and a disk upper filter. */
    Path badSystemHive() throws Exception {
        Path hive = SharedData.unxz("registry/regipy/SYSTEM.xz", tmp);
        String filters = HexFormat.ofDelimiter(",").formatHex("PartMgr\0badflt\0\0".getBytes(StandardCharsets.UTF_16LE));
        Path script = Files.writeString(tmp.resolve("install.hivexsh"), "cd \\ControlSet001\\Services\nadd badflt\ncd badflt\nsetval 3\n"
                + "Start\ndword:0x00000000\nType\ndword:0x00000001\nImagePath\nstring:System32\\drivers\\badflt.sys\n"
                + "cd " + DISK_CLASS + "\nsetval 1\nUpperFilters\nhex:7:" + filters + "\ncommit\n");
        Tools.ok("hivexsh", "-w", "-f", script.toString(), hive.toString());
        return hive;
    }

    /** The practice disk with the real hive and the driver on its NTFS partition and the real BCD on its ESP. */
    Path disk(Path system) throws Exception {
        Path disk = Tools.practiceDisk(tmp.resolve("disk.img"), 256);
        assertEquals(0, Cli.run("practice-tree", "--image", disk.toString()).exit);
        Path part = Tools.partition(disk, 3, tmp.resolve("p3.ntfs"));
        Path driver = Files.write(tmp.resolve("badflt.sys"), DRIVER_BYTES);
        Tools.ok("ntfscp", "-f", part.toString(), system.toString(), SYSTEM);
        Tools.ok("ntfscp", "-f", part.toString(), driver.toString(), DRIVER);
        putPartition(disk, 3, part);
        putBcd(disk);
        return disk;
    }

    void putBcd(Path disk) throws Exception {
        String esp = disk + "@@" + ESP_OFFSET;
        Tools.ok("env", "MTOOLS_SKIP_CHECK=1", "mmd", "-i", esp, "::/EFI", "::/EFI/Microsoft", "::/EFI/Microsoft/Boot");
        Tools.ok("env", "MTOOLS_SKIP_CHECK=1", "mcopy", "-i", esp, tmp.resolve("BCD").toString(), "::/" + BCD);
    }

    static void putPartition(Path disk, int n, Path part) throws Exception {
        String info = Tools.ok("sgdisk", "-i", Integer.toString(n), disk.toString());
        long first = info.lines().filter(l -> l.startsWith("First sector")).map(l -> Long.parseLong(l.split("\\s+")[2])).findFirst().orElseThrow();
        Tools.ok("dd", "if=" + part, "of=" + disk, "bs=512", "seek=" + first, "conv=notrunc,sparse", "status=none");
    }

    /** The BCD on the raw disk's ESP, as mtools reads it. */
    Path bcdOf(Path rawDisk) throws Exception {
        Path out = tmp.resolve("bcd-" + System.nanoTime());
        Tools.ok("env", "MTOOLS_SKIP_CHECK=1", "mcopy", "-n", "-i", rawDisk + "@@" + ESP_OFFSET, "::/" + BCD, out.toString());
        return out;
    }

    Path systemOf(Path rawDisk) throws Exception {
        Path part = Tools.partition(rawDisk, 3, tmp.resolve("check-" + System.nanoTime() + ".ntfs"));
        Path out = tmp.resolve("system-" + System.nanoTime());
        Tools.ok("sh", "-c", "ntfscat \"$0\" \"$1\" > \"$2\"", part.toString(), SYSTEM, out.toString());
        return out;
    }

    static String element(Path hive, String key) throws Exception {
        Tools.Result r = Tools.run(List.of("hivexget", hive.toString(), key));
        if (r.exit() != 0) {
            return "absent";
        }
        int at = r.out().indexOf("\"Element\"=hex(3):");
        return at < 0 ? "absent" : r.out().substring(at + 17).lines().findFirst().orElse("").replace(",", "").strip();
    }

    /** The ESP's file system as fsck.fat sees it (read-only check) on a raw disk. */
    Tools.Result fsckEsp(Path rawDisk) throws Exception {
        Path esp = tmp.resolve("esp-" + System.nanoTime());
        Tools.ok("dd", "if=" + rawDisk, "of=" + esp, "bs=512", "skip=2048", "count=" + (100 * 2048), "status=none");
        return Tools.run(List.of("fsck.fat", "-n", esp.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"raw", "qcow2", "vhdx"})
    void aSignedPlaybookRepairsTheDriverAndTheBootConfigurationAndUndoPutsBackEveryByte(String format) throws Exception {
        Path system = badSystemHive();
        Path raw = disk(system);
        String systemSha = Sha256.of(Files.readAllBytes(system));
        Path image = raw;
        if (!format.equals("raw")) {
            image = tmp.resolve("disk." + format);
            Tools.ok("qemu-img", "convert", "-f", "raw", "-O", format, raw.toString(), image.toString());
        }
        Path reportFile = tmp.resolve("report.json");
        Cli fix = Cli.run("fix", "--image", image.toString(), "--playbook", playbook.toString(), "--trusted-key", pub.toString(),
                "--report", reportFile.toString());
        assertEquals(0, fix.exit, fix.toString());
        assertTrue(fix.out.contains("FIXED: 0 faulty file(s) quarantined or neutralized, 2 registry value(s) set, 1 boot configuration setting(s) changed")
                && fix.out.contains("it starts in safe mode, as the playbook asks"), fix.out);
        JsonNode report = JSON.readTree(reportFile.toFile());
        List<String> done = new ArrayList<>();
        report.get("volumes").forEach(v -> v.get("actions").forEach(a -> done.add(v.get("fileSystem").asText() + " " + a.get("rule").asText() + " "
                + a.get("action").asText())));
        assertEquals(List.of("NTFS disable repaired", "NTFS unfilter repaired", "FAT32 safe repaired"), done, report.toString());
        JsonNode esp = report.get("volumes").get(1);
        assertTrue(esp.get("label").asText().contains("EFI system partition"), esp.toString());
        assertEquals("safeboot off -> safeboot minimal on {default} = {733b62e5-f608-11eb-825c-c112f60133ab} (\"Windows 10\")",
                esp.get("actions").get(0).get("detail").asText());
        if (!format.equals("raw")) {
            if (format.equals("qcow2")) {
                Tools.Result check = Tools.run(List.of("qemu-img", "check", image.toString()));
                assertEquals(0, check.exit(), check.out());
            }
            Files.delete(raw);
            Tools.ok("qemu-img", "convert", "-O", "raw", image.toString(), raw.toString());
        }
        // the independent readers: mtools + hivex for the BCD, ntfs-3g + hivex for the SYSTEM hive, fsck.fat for the ESP
        assertEquals("0000000000000000", element(bcdOf(raw), SAFEBOOT));
        Path fixedSystem = systemOf(raw);
        assertEquals("4", Tools.ok("hivexget", fixedSystem.toString(), "\\ControlSet001\\Services\\badflt", "Start").strip());
        assertEquals("PartMgr", Tools.ok("hivexget", fixedSystem.toString(), DISK_CLASS, "UpperFilters").strip());
        Tools.Result fsck = fsckEsp(raw);
        assertEquals(0, fsck.exit(), fsck.out());

        // undo: on the image as it is now (converted back to its format when it was not raw)
        String run = report.get("runId").asText();
        Path undoTarget = raw;
        if (!format.equals("raw")) {
            undoTarget = image;
        }
        Cli undo = Cli.run("undo", "--image", undoTarget.toString(), "--run", run);
        assertEquals(0, undo.exit, undo.toString());
        assertTrue(undo.out.contains("EFI system partition"), undo.out);
        if (!format.equals("raw")) {
            Files.delete(raw);
            Tools.ok("qemu-img", "convert", "-O", "raw", image.toString(), raw.toString());
        }
        assertEquals(Sha256.of(bcd), Sha256.of(Files.readAllBytes(bcdOf(raw))), "the BCD byte for byte as before");
        assertEquals(systemSha, Sha256.of(Files.readAllBytes(systemOf(raw))), "the SYSTEM hive byte for byte as before");
        assertEquals(0, fsckEsp(raw).exit());
    }

    /** A BIOS disk: MBR, one active NTFS partition holding Windows and its own Boot/BCD (no system partition). */
    @Test
    void onABiosDiskTheStoreOnTheWindowsVolumeIsEditedUnderTheSameJournalAndUndone() throws Exception {
        Path disk = tmp.resolve("bios.img");
        long sectors = 256L * 2048;
        Tools.ok("truncate", "-s", sectors * 512 + "", disk.toString());
        Tools.ok("sh", "-c", "echo 'start=2048, type=7, bootable' | sfdisk -q \"$0\"", disk.toString());
        Path part = tmp.resolve("bios.ntfs");
        Tools.ok("truncate", "-s", (sectors - 2048) * 512 + "", part.toString());
        Tools.ok("sh", "-c", "mkntfs -F -f -Q -q -L Windows -p 2048 -H 255 -S 63 \"$0\" >/dev/null 2>&1", part.toString());
        Tools.ok("dd", "if=" + part, "of=" + disk, "bs=512", "seek=2048", "conv=notrunc,sparse", "status=none");
        assertEquals(0, Cli.run("practice-tree", "--image", disk.toString()).exit);
        // the store goes where Windows' setup puts it on a BIOS disk without a system partition: \Boot\BCD
        try (io.bootmedic.volumes.ImageTarget t = new io.bootmedic.volumes.ImageTarget(disk, false, true)) {
            io.bootmedic.fs.FileTree tree = t.open().get(0).tree();
            tree.createDirectory(io.bootmedic.fs.RelPath.of("Boot"));
            tree.writeDurably(io.bootmedic.fs.RelPath.of("Boot/BCD"), bcd);
        }
        Path system = badSystemHive();
        Tools.ok("dd", "if=" + disk, "of=" + part, "bs=512", "skip=2048", "status=none");
        Path driver = Files.write(tmp.resolve("badflt.sys"), DRIVER_BYTES);
        Tools.ok("ntfscp", "-f", part.toString(), system.toString(), SYSTEM);
        Tools.ok("ntfscp", "-f", part.toString(), driver.toString(), DRIVER);
        Tools.ok("dd", "if=" + part, "of=" + disk, "bs=512", "seek=2048", "conv=notrunc,sparse", "status=none");

        Path reportFile = tmp.resolve("report.json");
        Cli fix = Cli.run("fix", "--image", disk.toString(), "--playbook", playbook.toString(), "--trusted-key", pub.toString(),
                "--report", reportFile.toString());
        assertEquals(0, fix.exit, fix.toString());
        JsonNode report = JSON.readTree(reportFile.toFile());
        List<String> done = new ArrayList<>();
        report.get("volumes").forEach(v -> v.get("actions").forEach(a -> done.add(v.get("label").asText().replace("bios.img partition 1", "P1") + " "
                + a.get("rule").asText() + " " + a.get("action").asText())));
        assertEquals(List.of("P1 disable repaired", "P1 unfilter repaired", "P1 (Boot/BCD) safe repaired"), done, report.toString());

        Tools.ok("dd", "if=" + disk, "of=" + part, "bs=512", "skip=2048", "status=none");
        Path store = tmp.resolve("bios-bcd");
        Tools.ok("sh", "-c", "ntfscat \"$0\" Boot/BCD > \"$1\"", part.toString(), store.toString());
        assertEquals("0000000000000000", element(store, SAFEBOOT));
        Cli undo = Cli.run("undo", "--image", disk.toString(), "--run", report.get("runId").asText());
        assertEquals(0, undo.exit, undo.toString());
        Tools.ok("dd", "if=" + disk, "of=" + part, "bs=512", "skip=2048", "status=none");
        assertEquals(Sha256.of(bcd), Tools.ntfscatSha(part, "Boot/BCD"));
        assertEquals(Sha256.of(Files.readAllBytes(system)), Tools.ntfscatSha(part, SYSTEM));
    }

    /**
     * The Windows volume BitLocker-encrypted (built around an NTFS image and checked by libbde and dislocker elsewhere,
     * BuiltVolumeTest), its recovery key in an AD-style key file: all three rules, the registry ones inside the
     * encrypted volume; dislocker decrypts the result for ntfs-3g and hivex to read; undo restores every byte.
     */
    @Test
    void withTheBitLockerKeyInAKeyFileTheEncryptedHiveIsRepairedToo() throws Exception {
        Path ntfs = tmp.resolve("win.ntfs");
        Tools.ok("truncate", "-s", "64M", ntfs.toString());
        Tools.ok("mkntfs", "-F", "-f", "-Q", "-q", "-L", "Windows", ntfs.toString());
        Path system = badSystemHive();
        try (io.bootmedic.image.block.FileBlockDevice dev = io.bootmedic.image.block.FileBlockDevice.open(ntfs, true);
             io.bootmedic.ntfs.NtfsVolume vol = io.bootmedic.ntfs.NtfsVolume.open(dev, true)) {
            io.bootmedic.ntfs.NtfsFileTree tree = new io.bootmedic.ntfs.NtfsFileTree(vol);
            io.bootmedic.practice.PracticeTree.create(tree);
            tree.writeDurably(io.bootmedic.fs.RelPath.of(SYSTEM), Files.readAllBytes(system));
            tree.writeDurably(io.bootmedic.fs.RelPath.of(DRIVER), DRIVER_BYTES);
        }
        String rp = "013574-000055-660000-008547-720885-000000-046662-344707";
        Path bl = tmp.resolve("win.bitlocker");
        io.bootmedic.testutil.BitLockerVolumeBuilder.Built built = io.bootmedic.testutil.BitLockerVolumeBuilder.around(ntfs).recoveryPassword(rp)
                .method(io.bootmedic.testutil.BitLockerVolumeBuilder.Method.XTS_AES_128).seed(25).build(bl);
        long sectors = Files.size(bl) / 512;
        Path disk = tmp.resolve("encrypted.img");
        Tools.ok("truncate", "-s", (2048 + 100 * 2048 + sectors + 4096) * 512 + "", disk.toString());
        Tools.ok("sgdisk", "-n", "1:2048:+100M", "-t", "1:ef00", "-n", "2:0:+" + sectors, "-t", "2:0700", disk.toString());
        Tools.ok("mkfs.fat", "-F", "32", "--offset", "2048", disk.toString(), Integer.toString(100 * 1024));
        putPartition(disk, 2, bl);
        putBcd(disk);
        byte[] before = Files.readAllBytes(disk);
        Path keys = Files.writeString(tmp.resolve("keys.csv"), "KeyID,RecoveryKey\n" + built.recoveryKeyId() + "," + rp + "\n");

        Path reportFile = tmp.resolve("report.json");
        Cli fix = Cli.run("fix", "--image", disk.toString(), "--playbook", playbook.toString(), "--trusted-key", pub.toString(), "--key-file",
                keys.toString(), "--report", reportFile.toString());
        assertEquals(0, fix.exit, fix.toString());
        assertTrue(!fix.out.contains(rp) && !Files.readString(reportFile).contains(rp), "the recovery password is in no output");
        JsonNode report = JSON.readTree(reportFile.toFile());
        List<String> done = new ArrayList<>();
        report.get("volumes").forEach(v -> v.get("actions").forEach(a -> done.add(v.get("fileSystem").asText() + " " + a.get("rule").asText() + " "
                + a.get("action").asText())));
        assertEquals(List.of("NTFS disable repaired", "NTFS unfilter repaired", "FAT32 safe repaired"), done, report.toString());
        assertEquals("unlocked", report.get("volumes").get(0).get("bitlocker").get("state").asText());

        // dislocker (not bootmedic) decrypts partition 2; ntfs-3g and hivex read the repaired hive from it
        Path part = Tools.partition(disk, 2, tmp.resolve("p2.bitlocker"));
        Path plain = tmp.resolve("p2.plain");
        Tools.ok("dislocker-file", "-V", part.toString(), "-p" + rp, "--", plain.toString());
        Path fixedSystem = tmp.resolve("fixed-system");
        Tools.ok("sh", "-c", "ntfscat \"$0\" \"$1\" > \"$2\"", plain.toString(), SYSTEM, fixedSystem.toString());
        assertEquals("4", Tools.ok("hivexget", fixedSystem.toString(), "\\ControlSet001\\Services\\badflt", "Start").strip());
        assertEquals("PartMgr", Tools.ok("hivexget", fixedSystem.toString(), DISK_CLASS, "UpperFilters").strip());
        assertEquals("0000000000000000", element(bcdOf(disk), SAFEBOOT));

        Cli undo = Cli.run("undo", "--image", disk.toString(), "--run", report.get("runId").asText(), "--key-file", keys.toString());
        assertEquals(0, undo.exit, undo.toString());
        assertEquals(Sha256.of(bcd), Sha256.of(Files.readAllBytes(bcdOf(disk))));
        Files.delete(plain);
        Tools.ok("dislocker-file", "-V", Tools.partition(disk, 2, tmp.resolve("p2b.bitlocker")).toString(), "-p" + rp, "--", plain.toString());
        assertEquals(Sha256.of(Files.readAllBytes(system)), Tools.ntfscatSha(plain, SYSTEM), "the hive inside the encrypted volume, byte for byte");
    }

    @Test
    void withTheWindowsVolumeLockedByBitLockerOnlyTheBootConfigurationChangesAndNoKeyIsNeeded() throws Exception {
        Path bitlocker = BitLockerImages.image("aes-xts-128");
        long sectors = Files.size(bitlocker) / 512;
        Path disk = tmp.resolve("locked.img");
        Tools.ok("truncate", "-s", (2048 + 100 * 2048 + sectors + 4096) * 512 + "", disk.toString());
        Tools.ok("sgdisk", "-n", "1:2048:+100M", "-t", "1:ef00", "-n", "2:0:+" + sectors, "-t", "2:0700", disk.toString());
        Tools.ok("mkfs.fat", "-F", "32", "--offset", "2048", disk.toString(), Integer.toString(100 * 1024));
        putPartition(disk, 2, bitlocker);
        putBcd(disk);
        byte[] before = Files.readAllBytes(disk);

        Path reportFile = tmp.resolve("report.json");
        Cli fix = Cli.run("fix", "--image", disk.toString(), "--playbook", playbook.toString(), "--trusted-key", pub.toString(),
                "--report", reportFile.toString());
        JsonNode report = JSON.readTree(reportFile.toFile());
        assertEquals(RunOutcome.NEEDS_KEY.exitCode(), fix.exit, fix.toString());
        assertEquals("locked", report.get("volumes").get(0).get("outcome").asText(), report.toString());
        JsonNode esp = report.get("volumes").get(1);
        assertEquals("repaired", esp.get("actions").get(0).get("action").asText(), esp.toString());
        assertEquals("0000000000000000", element(bcdOf(disk), SAFEBOOT));
        assertEquals(0, fsckEsp(disk).exit());

        Cli undo = Cli.run("undo", "--image", disk.toString(), "--run", report.get("runId").asText());
        assertTrue(undo.out.contains("UNDONE") && undo.out.contains("EFI system partition"), undo.toString());
        assertEquals(Sha256.of(before), Sha256.of(Files.readAllBytes(disk)), "every byte of the disk as before");
    }
}
