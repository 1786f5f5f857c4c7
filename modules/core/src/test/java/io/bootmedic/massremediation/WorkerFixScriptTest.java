package io.bootmedic.massremediation;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * scripts/lib/worker-fix.sh, the part that runs on the worker, on real block devices (loop
 * devices, as root) with the real losetup, lsblk, blockdev, udevadm and findmnt. The cloud's udev
 * names (/dev/disk/azure/..., by-id, by-path, the NVMe sysfs attributes) are laid out under
 * BOOTMEDIC_TEST_DEV_ROOT and point at those loop devices (or at this machine's own root disk).
 * bootmedic itself is a stand-in that records its arguments and the --bek file it was given.
 */
class WorkerFixScriptTest {
    static final String SCRIPT = "scripts/lib/worker-fix.sh";
    static final long SIZE = 8L << 20;

    @TempDir
    Path tmp;
    Path root;
    Path bin;
    final List<LoopDisk> disks = new ArrayList<>();

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @BeforeEach
    void worker() throws Exception {
        assumeTrue(LoopDisk.available(), "needs root and loop devices (losetup) for real block devices");
        root = Files.createDirectories(tmp.resolve("root"));
        bin = Files.createDirectories(tmp.resolve("bin"));
        Path bootmedic = bin.resolve("bootmedic");
        Files.writeString(bootmedic, """
                #!/usr/bin/env bash
                echo "$*" > "$FAKE_OUT/bootmedic.argv"
                while [ $# -gt 0 ]; do
                  if [ "$1" = --bek ]; then
                    stat -c %a "$2" > "$FAKE_OUT/bek.mode"; stat -c %a "$(dirname "$2")" > "$FAKE_OUT/bekdir.mode"
                    stat -f -c %T "$2" > "$FAKE_OUT/bek.fs"; cp "$2" "$FAKE_OUT/bek.copy"; echo "$2" > "$FAKE_OUT/bek.path"
                  fi
                  shift
                done
                exit "${FAKE_EXIT:-0}"
                """);
        Files.setPosixFilePermissions(bootmedic, PosixFilePermissions.fromString("rwx------"));
    }

    @AfterEach
    void detach() throws Exception {
        for (LoopDisk d : disks) {
            d.close();
        }
    }

    private LoopDisk disk(String name) throws Exception {
        LoopDisk d = LoopDisk.create(tmp.resolve(name + ".img"), SIZE);
        disks.add(d);
        return d;
    }

    /** A udev name under the test root, pointing at TARGET. */
    private void link(String name, Path target) throws Exception {
        Path l = root.resolve(name.substring(1));
        Files.createDirectories(l.getParent());
        Files.createSymbolicLink(l, target);
    }

    private ProcessBuilder workerProcess(Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", SCRIPT));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(new File(System.getProperty("user.dir")));
        Map<String, String> e = pb.environment();
        e.put("PATH", bin + File.pathSeparator + "/usr/sbin:/usr/bin:/sbin:/bin");
        e.put("FAKE_OUT", tmp.toString());
        e.put("BOOTMEDIC_WAIT_SECONDS", "0");
        e.put("BOOTMEDIC_TEST_DEV_ROOT", root.toString());
        e.putAll(env);
        return pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }

    private Result worker(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", SCRIPT));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(new File(System.getProperty("user.dir")));
        Map<String, String> e = pb.environment();
        e.put("PATH", bin + File.pathSeparator + "/usr/sbin:/usr/bin:/sbin:/bin");
        e.put("FAKE_OUT", tmp.toString());
        e.put("BOOTMEDIC_WAIT_SECONDS", "0");
        e.put("BOOTMEDIC_TEST_DEV_ROOT", root.toString());
        e.putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Path out = tmp.resolve("stdout"), err = tmp.resolve("stderr");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "worker-fix.sh hung");
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private String argv() throws Exception {
        return Files.readString(tmp.resolve("bootmedic.argv")).strip();
    }

    private boolean bootmedicRan() {
        return Files.exists(tmp.resolve("bootmedic.argv"));
    }

    private void assertRefused(Result r, String why) {
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains(why), r.toString());
        assertTrue(r.out().strip().endsWith("BOOTMEDIC_EXIT=2"), r.out());
        assertFalse(bootmedicRan(), "bootmedic ran on a refused disk");
    }

    /** The whole disk this machine's / is on, if it is a block device (not overlay/tmpfs). */
    private static Path ownRootDisk() throws Exception {
        String src = LoopDisk.run("findmnt", "-n", "-o", "SOURCE", "--target", "/").strip();
        if (!src.startsWith("/dev/")) {
            return null;
        }
        for (String line : LoopDisk.run("lsblk", "-nsrpo", "NAME,TYPE", src).split("\n")) {
            String[] f = line.strip().split(" ");
            if (f.length == 2 && f[1].equals("disk")) {
                return Path.of(f[0]);
            }
        }
        return null;
    }

    @Test
    void findsTheAzureLunByTheWalinuxagentNameAndChecksItsSize() throws Exception {
        LoopDisk d = disk("osdisk-copy");
        link("/dev/disk/azure/scsi1/lun10", d.device);

        Result r = worker(Map.of(), "--azure-lun", "10", "--expect-size", Long.toString(SIZE),
                "--config", "/etc/bootmedic/agent.conf", "--bootmedic", "bootmedic");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("fix --device " + d.device + " --config /etc/bootmedic/agent.conf", argv());
        assertTrue(r.out().contains("BOOTMEDIC_DEVICE=" + d.device), r.out());
        assertTrue(r.out().strip().endsWith("BOOTMEDIC_EXIT=0"), r.out());
    }

    @Test
    void azureLunZeroAndOneAreRefusedBecauseByPathNamesTheWorkersOwnDisksThere() throws Exception {
        LoopDisk d = disk("data");
        link("/dev/disk/by-path/acpi-VMBUS:00-vmbus-f8b3781a1e824818a1c363d806ec15bb-lun-0", d.device);

        assertRefused(worker(Map.of(), "--azure-lun", "0"), "--azure-lun 0 refused");
        assertRefused(worker(Map.of(), "--azure-lun", "1"), "--azure-lun 1 refused");
        assertRefused(worker(Map.of(), "--azure-lun", "64"), "from 2 to 63");
    }

    @Test
    void aByPathFallbackThatPointsAtTheWorkersRootDiskIsRefused() throws Exception {
        Path own = ownRootDisk();
        assumeTrue(own != null, "/ is not on a block device here (container overlay?)");
        link("/dev/disk/by-path/acpi-VMBUS:00-vmbus-f8b3781b1e824818a1c363d806ec15bb-lun-5", own);

        assertRefused(worker(Map.of(), "--azure-lun", "5"), "this worker's own disk");
        assertRefused(worker(Map.of(), "--device", own.toString()), "this worker's own disk");
    }

    @Test
    void azureNvmeWorkerFindsTheLunAsNamespaceLunPlusTwo() throws Exception {
        LoopDisk other = disk("lun3");
        LoopDisk d = disk("lun10");
        // sysfs of an Azure v6 worker without azure-vm-utils: namespace 1 = OS disk, LUN N = namespace N+2
        for (var ns : Map.of("nvme0n5", new Object[] {5, other}, "nvme0n12", new Object[] {12, d}).entrySet()) {
            Path sys = Files.createDirectories(root.resolve("sys/class/block/" + ns.getKey() + "/device"));
            Files.writeString(sys.getParent().resolve("nsid"), ns.getValue()[0] + "\n");
            Files.writeString(sys.resolve("model"), "MSFT NVMe Accelerator v1.0              \n");
            link("/dev/" + ns.getKey(), ((LoopDisk) ns.getValue()[1]).device);
        }

        Result r = worker(Map.of(), "--azure-lun", "10", "--dry-run");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("fix --device " + d.device + " --dry-run", argv());
    }

    @Test
    void azureVmUtilsByLunNameIsFound() throws Exception {
        LoopDisk d = disk("lun4");
        link("/dev/disk/azure/data/by-lun/4", d.device);

        Result r = worker(Map.of(), "--azure-lun", "4");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("fix --device " + d.device, argv());
    }

    @Test
    void twoFallbackMatchesAreAmbiguousAndRefused() throws Exception {
        LoopDisk a = disk("a"), b = disk("b");
        link("/dev/disk/by-path/pci-0000:00:10.0-scsi-0:0:0-lun-7", a.device);
        link("/dev/disk/by-path/pci-0000:00:11.0-scsi-0:0:0-lun-7", b.device);

        assertRefused(worker(Map.of(), "--azure-lun", "7"), "more than one device matches");
    }

    @Test
    void findsTheNitroNvmeNameOfAnEbsVolumeAndItsSerialMustMatch() throws Exception {
        LoopDisk d = disk("ebs").withIds("vol0123abcd", null);
        link("/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123abcd", d.device);

        Result r = worker(Map.of(), "--ebs-volume", "vol-0123abcd", "--ebs-device", "/dev/sdf", "--dry-run");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("fix --device " + d.device + " --dry-run", argv());
    }

    @Test
    void anEbsDeviceNameThatIsAnotherVolumeIsRefused() throws Exception {
        LoopDisk d = disk("other").withIds("vol0fff0000", null);
        link("/dev/sdf", d.device);

        assertRefused(worker(Map.of(), "--ebs-volume", "vol-0123abcd", "--ebs-device", "/dev/sdf"), "not vol-0123abcd");
    }

    @Test
    void ebsNvmeWithoutUdevNamesIsFoundBySysfsSerial() throws Exception {
        LoopDisk d = disk("ebs2").withIds("vol0123abcd", null);
        Path sys = Files.createDirectories(root.resolve("sys/class/block/nvme1n1/device"));
        Files.writeString(sys.resolve("serial"), "vol0123abcd\n");
        Files.writeString(sys.resolve("model"), "Amazon Elastic Block Store              \n");
        link("/dev/nvme1n1", d.device);

        Result r = worker(Map.of(), "--ebs-volume", "vol-0123abcd");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("fix --device " + d.device, argv());
    }

    @Test
    void gceDeviceNameIsTheGoogleByIdName() throws Exception {
        LoopDisk d = disk("gce").withIds("bootmedic-web01", null);
        link("/dev/disk/by-id/google-bootmedic-web01", d.device);

        Result r = worker(Map.of(), "--gce-device-name", "bootmedic-web01", "--expect-serial", "bootmedic-web01",
                "--expect-size", Long.toString(SIZE));

        assertEquals(0, r.exit(), r.toString());
        assertEquals("fix --device " + d.device, argv());
    }

    @Test
    void aDeviceOfAnotherSizeIsNotTheAttachedDisk() throws Exception {
        LoopDisk d = disk("small");
        link("/dev/disk/azure/scsi1/lun10", d.device);

        assertRefused(worker(Map.of(), "--azure-lun", "10", "--expect-size", "137438953472"),
                "has " + d.size() + " bytes, the attached disk has 137438953472");
    }

    @Test
    void serialAndWwnAreCheckedThroughLsblkAndUdev() throws Exception {
        // vSphere: the driver knows the disk's UUID, udev reports it as the WWN
        LoopDisk d = disk("vmdk").withIds(null, "0x6000c29a1b2c3d4e5f60718293a4b5c6");

        Result ok = worker(Map.of(), "--device", d.device.toString(), "--expect-serial", "6000C29A-1B2C-3D4E-5F60-718293A4B5C6");
        assertEquals(0, ok.exit(), ok.toString());

        Files.delete(tmp.resolve("bootmedic.argv"));
        assertRefused(worker(Map.of(), "--device", d.device.toString(), "--expect-serial", "6000c29affffffffffffffffffffffff"),
                "this is not the disk the API attached");
    }

    @Test
    void aDeviceWithoutAnySerialFailsASerialCheck() throws Exception {
        LoopDisk d = disk("bare");

        assertRefused(worker(Map.of(), "--device", d.device.toString(), "--expect-serial", "vol0123abcd"), "has no serial or WWN");
    }

    @Test
    void aRegularFileIsNotADisk() throws Exception {
        Path file = Files.writeString(tmp.resolve("sdc"), "disk");
        link("/dev/disk/azure/scsi1/lun10", file);

        assertRefused(worker(Map.of(), "--device", file.toString()), "is not a block device");
        assertRefused(worker(Map.of(), "--azure-lun", "10"), "is not a block device");
    }

    @Test
    void aMountedDeviceIsInUseAndRefused() throws Exception {
        LoopDisk d = disk("mounted");
        LoopDisk.run("mkfs.ext4", "-q", d.device.toString());
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        LoopDisk.run("mount", d.device.toString(), mnt.toString());
        try {
            assertRefused(worker(Map.of(), "--device", d.device.toString()), "is in use on this worker (mounted");
        } finally {
            LoopDisk.run("umount", mnt.toString());
        }
    }

    @Test
    void newOptionsNeedValuesAndOneDisk() throws Exception {
        LoopDisk d = disk("x");
        assertRefused(worker(Map.of(), "--device", d.device.toString(), "--expect-size"), "--expect-size needs a value");
        assertRefused(worker(Map.of(), "--device", d.device.toString(), "--expect-size", "8M"), "size in bytes");
        assertRefused(worker(Map.of(), "--device", d.device.toString(), "--gce-device-name", "x"), "exactly one of");
        assertRefused(worker(Map.of(), "--gce-device-name", "a/../b"), "device name");
    }

    @Test
    void passesBootmedicsExitCodeOn() throws Exception {
        LoopDisk d = disk("exit3");
        Result r = worker(Map.of("FAKE_EXIT", "3"), "--device", d.device.toString());

        assertEquals(3, r.exit(), r.toString());
        assertTrue(r.out().strip().endsWith("BOOTMEDIC_EXIT=3"), r.out());
    }

    @Test
    void aDiskThatNeverAppearsIsReportedWithoutRunningBootmedic() throws Exception {
        Result r = worker(Map.of(), "--azure-lun", "7");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("did not appear"), r.err());
        assertTrue(r.out().contains("BOOTMEDIC_EXIT=1"), r.out());
        assertFalse(bootmedicRan());
    }

    @Test
    void aBekFileLeftByTheDriverIsMovedToTmpfsAndRemoved() throws Exception {
        LoopDisk d = disk("ade");
        byte[] bek = {0x2c, 0x00, 0x00, 0x00, 0x01, 0x00, (byte) 0xff, 0x42, 0x45, 0x4b};
        Path left = Files.write(tmp.resolve("vm1.BEK"), bek);

        Result r = worker(Map.of(), "--device", d.device.toString(), "--bek-file", left.toString());

        assertEquals(0, r.exit(), r.toString());
        assertEquals("600", Files.readString(tmp.resolve("bek.mode")).strip());
        assertEquals("700", Files.readString(tmp.resolve("bekdir.mode")).strip());
        assertEquals("tmpfs", Files.readString(tmp.resolve("bek.fs")).strip(), "the key lives on tmpfs only");
        assertTrue(java.util.Arrays.equals(bek, Files.readAllBytes(tmp.resolve("bek.copy"))));
        Path used = Path.of(Files.readString(tmp.resolve("bek.path")).strip());
        assertFalse(Files.exists(used), "the tmpfs copy is removed after the run");
        assertFalse(Files.exists(used.getParent()), "its folder too");
        assertFalse(Files.exists(left), "the file the driver left is removed");
    }

    @Test
    void withoutTmpfsTheKeyIsNotWrittenAndBootmedicDoesNotRun() throws Exception {
        LoopDisk d = disk("ade2");
        Path left = Files.write(tmp.resolve("vm2.BEK"), "key".getBytes(StandardCharsets.US_ASCII));
        Path notTmpfs = Files.createDirectories(tmp.resolve("disk-backed"));
        assumeTrue(!LoopDisk.run("stat", "-f", "-c", "%T", notTmpfs.toString()).strip().equals("tmpfs"), "the temp folder is tmpfs here");

        Result r = worker(Map.of("BOOTMEDIC_KEY_TMPFS", notTmpfs.toString()), "--device", d.device.toString(), "--bek-file", left.toString());

        assertEquals(3, r.exit(), r.toString());
        assertTrue(r.err().contains("no tmpfs on this worker"), r.err());
        assertFalse(bootmedicRan());
        assertFalse(Files.exists(left), "the key the driver left is removed anyway");
        try (var s = Files.list(notTmpfs)) {
            assertEquals(0, s.count(), "nothing written to the disk-backed folder");
        }
    }

    @Test
    void adeWithoutAzOnTheWorkerStopsWithExit3() throws Exception {
        LoopDisk d = disk("ade3");
        // a PATH with the tools the script needs and no az (Debian's azure-cli puts az in /usr/bin)
        Path tools = Files.createDirectories(tmp.resolve("tools"));
        for (String t : List.of("bash", "readlink", "lsblk", "findmnt", "awk", "xargs", "blockdev", "stat", "tr", "sed", "grep", "sort",
                "udevadm", "find", "mktemp", "chmod", "cat", "rm", "head", "wc", "dirname", "cp", "sleep")) {
            String where = LoopDisk.run("bash", "-c", "command -v " + t).strip();
            Files.createSymbolicLink(tools.resolve(t), Path.of(where));
        }
        Map<String, String> env = Map.of("PATH", bin + File.pathSeparator + tools);
        Result r = worker(env, "--device", d.device.toString(), "--bek-secret-url", "https://v.vault.azure.net/secrets/s/1");

        assertEquals(3, r.exit(), r.toString());
        assertTrue(r.err().contains("'az' is not installed on the worker"), r.err());
        assertFalse(bootmedicRan(), "bootmedic does not run without its key");
    }

    @Test
    void releaseSaysBusyWhileAProcessHoldsTheDiskAndReleasedOnceItIsFree() throws Exception {
        LoopDisk d = disk("held");
        Process holder = new ProcessBuilder("sleep", "60").redirectInput(ProcessBuilder.Redirect.from(d.device.toFile())).start();
        try {
            Result busy = worker(Map.of(), "--device", d.device.toString(), "--release");
            assertEquals(1, busy.exit(), busy.toString());
            assertTrue(busy.out().contains("BOOTMEDIC_BUSY=" + holder.pid()), busy.out());
        } finally {
            holder.destroy();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
        Result free = worker(Map.of(), "--device", d.device.toString(), "--release");
        assertEquals(0, free.exit(), free.toString());
        assertTrue(free.out().contains("BOOTMEDIC_RELEASED=" + d.device), free.out());
        assertFalse(bootmedicRan(), "--release never runs bootmedic");
    }

    @Test
    void termStopsBootmedicAndWaitsForItSoNothingHoldsTheDiskAfterwards() throws Exception {
        LoopDisk d = disk("cancelled");
        // a bootmedic that holds the disk open and takes a moment to stop on TERM
        Path slow = bin.resolve("slow-bootmedic");
        Files.writeString(slow, """
                #!/usr/bin/env bash
                exec 3<"$3"
                trap 'sleep 0.5; echo stopped > "$FAKE_OUT/term"; exit 143' TERM
                echo started > "$FAKE_OUT/started"
                while :; do sleep 0.1; done
                """);
        Files.setPosixFilePermissions(slow, PosixFilePermissions.fromString("rwx------"));
        Path out = tmp.resolve("term.out");
        Process p = workerProcess(Map.of(), "--device", d.device.toString(), "--bootmedic", slow.toString())
                .redirectOutput(out.toFile()).redirectError(tmp.resolve("term.err").toFile()).start();
        long deadline = System.currentTimeMillis() + 20_000;
        while (!Files.exists(tmp.resolve("started")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(tmp.resolve("started")), "bootmedic did not start: " + Files.readString(tmp.resolve("term.err")));

        p.destroy(); // SIGTERM, as a cancelled run command / SSM command gets
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));

        assertEquals(1, p.exitValue(), Files.readString(tmp.resolve("term.err")));
        assertTrue(Files.readString(out).strip().endsWith("BOOTMEDIC_EXIT=1"), Files.readString(out));
        assertTrue(Files.exists(tmp.resolve("term")), "bootmedic got TERM and finished before the script ended");
        Result free = worker(Map.of(), "--device", d.device.toString(), "--release");
        assertEquals(0, free.exit(), "the disk is still held after the script ended: " + free);
    }
}
