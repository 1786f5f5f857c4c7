package io.bootmedic.rescue;

import io.bootmedic.platform.linux.FakeSysfs;
import io.bootmedic.platform.linux.SysfsDisks;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A machine with a stick, a data disk, RST and DDF members and one good disk: only the good disk is to be opened. */
class DiskSurveyTest {
    private static final int SECTORS = 128;
    @TempDir
    Path tmp;
    FakeSysfs sys;
    Path dev;

    @BeforeEach
    void machine() throws IOException {
        sys = new FakeSysfs(tmp.resolve("sys"));
        dev = Files.createDirectories(tmp.resolve("dev"));
        sys.driver("pci0000:00/0000:00:0e.0", "vmd").driver("pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:1d.0/10000:e1:00.0", "nvme");
        disk("nvme0n1", "pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:1d.0/10000:e1:00.0/nvme/nvme0/nvme0n1", 1, new byte[SECTORS * 512]);
        sys.driver("pci0000:00/0000:00:17.0", "ahci");
        byte[] imsm = new byte[SECTORS * 512];
        System.arraycopy("Intel Raid ISM Cfg Sig. ".getBytes(StandardCharsets.US_ASCII), 0, imsm, imsm.length - 1024, 24);
        disk("sda", "pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda", 2, imsm);
        byte[] ddf = new byte[SECTORS * 512];
        ddf[ddf.length - 512] = (byte) 0xDE;
        ddf[ddf.length - 511] = 0x11;
        ddf[ddf.length - 510] = (byte) 0xDE;
        ddf[ddf.length - 509] = 0x11;
        System.arraycopy("02.00.00".getBytes(StandardCharsets.US_ASCII), 0, ddf, ddf.length - 512 + 32, 8);
        disk("sdb", "pci0000:00/0000:00:17.0/ata2/host1/target1:0:0/1:0:0:0/block/sdb", 2, ddf);
        sys.driver("pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0", "usb-storage");
        // the stick and the data disk: their "device files" are folders, so opening either would fail loudly
        disk("sdc", "pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host4/target4:0:0/4:0:0:0/block/sdc", 2, null);
        sys.write("devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host4/target4:0:0/4:0:0:0/block/sdc/sdc1/partition", "1");
        disk("sdd", "pci0000:00/0000:00:17.0/ata3/host2/target2:0:0/2:0:0:0/block/sdd", 2, null);
        // an empty card reader
        sys.disk("sde", "pci0000:00/0000:00:14.0/usb2/2-2/2-2:1.0/host5/target5:0:0/5:0:0:0/block/sde", 2, "Generic", "SD Reader", 0);
    }

    private void disk(String name, String path, int up, byte[] content) throws IOException {
        sys.disk(name, path, up, "ATA", name + " model", SECTORS);
        if (content == null) {
            Files.createDirectories(dev.resolve(name));
        } else {
            Files.write(dev.resolve(name), content);
        }
    }

    private DiskSurvey.Result survey(Map<String, String> excluded) throws IOException {
        return new DiskSurvey(new SysfsDisks(sys.root), dev).survey(excluded);
    }

    @Test
    void onlyTheGoodDiskIsToBeOpenedAndTheStickIsNeverLookedAt() throws IOException {
        DiskSurvey.Result r = survey(Map.of("sdc1", "the stick", "sdd", "holds BOOTMEDIC-DATA"));
        assertEquals(List.of("nvme0n1"), r.usable().stream().map(RescueDisk::name).toList());
        assertEquals(List.of("nvme0n1", "sda", "sdb"), r.disks().stream().map(RescueDisk::name).toList(), "refused disks are named, not hidden");
        assertEquals(List.of("sdc: the stick, not looked at", "sdd: holds BOOTMEDIC-DATA, not looked at", "sde: no medium (0 bytes), not looked at"),
                r.skipped());
        assertEquals("NVMe behind Intel VMD (vmd)", r.usable().get(0).disk().controller());
        assertEquals(dev.resolve("nvme0n1"), r.usable().get(0).device());
    }

    @Test
    void rstAndDdfMembersAreRefusedWithAdviceThatCannotLoseData() throws IOException {
        DiskSurvey.Result r = survey(Map.of("sdc", "the stick", "sdd", "data"));
        String sda = r.disks().get(1).refusal();
        String sdb = r.disks().get(2).refusal();
        assertTrue(sda.startsWith("an Intel RST RAID member (IMSM metadata) (its anchor is at byte " + (SECTORS * 512 - 1024) + ")"), sda);
        assertTrue(sdb.startsWith("a RAID member with SNIA DDF metadata"), sdb);
        for (String refusal : List.of(sda, sdb)) {
            assertTrue(refusal.contains("Boot WinPE with the Intel RST"), refusal);
            assertTrue(refusal.contains("do not switch the controller to AHCI"), refusal);
        }
    }

    @Test
    void membersTheKernelAssembledAreRefusedWithoutReadingThem() throws IOException {
        sys.disk("md127", "virtual/block/md127", 0, null, null, 0).write("devices/virtual/block/md127/md/metadata_version", "external:imsm");
        Files.createDirectories(sys.root.resolve("devices/virtual/block/md127/slaves/nvme0n1"));
        Files.delete(dev.resolve("nvme0n1")); // never read: its device file is not even there
        DiskSurvey.Result r = survey(Map.of("sdc", "the stick", "sdd", "data"));
        assertTrue(r.usable().isEmpty(), r.toString());
        assertTrue(r.disks().get(0).refusal().startsWith("a member of the Intel RST RAID set (IMSM) md127 the kernel assembled."), r.disks().get(0).refusal());
    }

    @Test
    void aDiskWhoseEndCannotBeReadIsRefusedNotGuessed() throws IOException {
        Files.delete(dev.resolve("nvme0n1"));
        Files.createDirectories(dev.resolve("nvme0n1"));
        DiskSurvey.Result r = survey(Map.of("sdc", "the stick", "sdd", "data"));
        assertTrue(r.usable().isEmpty());
        assertTrue(r.disks().get(0).refusal().startsWith("its last sectors could not be read to check for RAID metadata"), r.disks().get(0).refusal());
    }

    @Test
    void withoutExclusionsTheStickWouldBeTouched() throws IOException {
        // the control for the first test: the stick's folder "device" is then read and refused as unreadable, so exclusion is what kept it out
        DiskSurvey.Result r = survey(Map.of());
        assertTrue(r.disks().stream().anyMatch(d -> d.name().equals("sdc")));
        assertFalse(r.skipped().stream().anyMatch(s -> s.startsWith("sdc")));
    }

    @Test
    void sizesReadAsPeopleDo() {
        assertEquals("0 B", DiskSurvey.humanSize(0));
        assertEquals("64.0 KiB", DiskSurvey.humanSize(65536));
        assertEquals("476.9 GiB", DiskSurvey.humanSize(512_110_190_592L));
    }
}
