package io.bootmedic.platform.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SysfsDisksTest {
    @TempDir
    Path tmp;

    private BlockDisk only(FakeSysfs sys) throws IOException {
        List<BlockDisk> disks = new SysfsDisks(sys.root).disks();
        assertEquals(1, disks.size(), disks.toString());
        return disks.get(0);
    }

    @Test
    void nvmeBehindIntelVmdIsNamedVmdNotPlainNvme() throws IOException {
        // a laptop in "RAID On" mode: the NVMe controller sits in the VMD domain 10000:e0, behind the PCI device bound to vmd
        FakeSysfs sys = new FakeSysfs(tmp).driver("pci0000:00/0000:00:0e.0", "vmd")
                .driver("pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:1d.0", "pcieport")
                .driver("pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:1d.0/10000:e1:00.0", "nvme")
                .disk("nvme0n1", "pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:1d.0/10000:e1:00.0/nvme/nvme0/nvme0n1", 1, null,
                        "SAMSUNG MZVL2512HCJQ", 1_000_215_216L);
        BlockDisk d = only(sys);
        assertEquals(StorageBus.INTEL_VMD, d.bus());
        assertEquals("NVMe behind Intel VMD (vmd)", d.controller());
        assertEquals("SAMSUNG MZVL2512HCJQ", d.model());
        assertEquals(1_000_215_216L * 512, d.size());
    }

    @Test
    void plainNvme() throws IOException {
        FakeSysfs sys = new FakeSysfs(tmp).driver("pci0000:00/0000:00:04.0", "nvme")
                .disk("nvme0n1", "pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1", 1, null, "QEMU NVMe Ctrl", 524288);
        assertEquals(StorageBus.NVME, only(sys).bus());
    }

    @Test
    void sataBehindAhci() throws IOException {
        FakeSysfs sys = new FakeSysfs(tmp).driver("pci0000:00/0000:00:17.0", "ahci")
                .driver("pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0", "sd")
                .disk("sda", "pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda", 2, "ATA     ", "Samsung SSD 870", 1000);
        BlockDisk d = only(sys);
        assertEquals(StorageBus.SATA, d.bus());
        assertEquals("ahci", d.driver());
        assertEquals("ATA Samsung SSD 870", d.model());
    }

    @Test
    void ideWithoutAhciStillNamedAta() throws IOException {
        FakeSysfs sys = new FakeSysfs(tmp).driver("pci0000:00/0000:00:01.1", "ata_piix")
                .disk("sda", "pci0000:00/0000:00:01.1/ata1/host0/target0:0:0/0:0:0:0/block/sda", 2, "ATA", "QEMU HARDDISK", 1000);
        BlockDisk d = only(sys);
        assertEquals(StorageBus.IDE, d.bus());
        assertEquals("ata_piix", d.driver());
    }

    @Test
    void virtioBlkAndVirtioScsi() throws IOException {
        FakeSysfs sys = new FakeSysfs(tmp).driver("pci0000:00/0000:00:05.0", "virtio-pci").driver("pci0000:00/0000:00:05.0/virtio2", "virtio_blk")
                .disk("vda", "pci0000:00/0000:00:05.0/virtio2/block/vda", 2, null, null, 1000)
                .driver("pci0000:00/0000:00:06.0", "virtio-pci").driver("pci0000:00/0000:00:06.0/virtio3", "virtio_scsi")
                .driver("pci0000:00/0000:00:06.0/virtio3/host2/target2:0:0/2:0:0:0", "sd")
                .disk("sdb", "pci0000:00/0000:00:06.0/virtio3/host2/target2:0:0/2:0:0:0/block/sdb", 2, "QEMU    ", "QEMU HARDDISK", 1000);
        List<BlockDisk> disks = new SysfsDisks(sys.root).disks();
        assertEquals(List.of("sdb", "vda"), disks.stream().map(BlockDisk::name).toList());
        assertEquals(StorageBus.VIRTIO_SCSI, disks.get(0).bus());
        assertEquals(StorageBus.VIRTIO_BLK, disks.get(1).bus());
    }

    @Test
    void hyperVStorvsc() throws IOException {
        String vmbus = "LNXSYSTM:00/LNXSYBUS:00/ACPI0004:00/VMBUS:00/f8b3781b-1e82-4818-a1c3-63d806ec15bb";
        FakeSysfs sys = new FakeSysfs(tmp).driver(vmbus, "hv_storvsc")
                .disk("sda", vmbus + "/host0/target0:0:0/0:0:0:0/block/sda", 2, "Msft    ", "Virtual Disk    ", 1000);
        assertEquals("Hyper-V SCSI (hv_storvsc)", only(sys).controller());
    }

    @Test
    void hyperVNamedByItsBusEvenWithoutTheDriverLink() throws IOException {
        FakeSysfs sys = new FakeSysfs(tmp).disk("sda", "LNXSYSTM:00/VMBUS:00/abc/host0/target0:0:0/0:0:0:0/block/sda", 2, "Msft", "Virtual Disk", 1000);
        assertEquals(StorageBus.HYPERV, only(sys).bus());
    }

    @Test
    void vmwarePvscsiAndLsiLogicWithVmwareDisks() throws IOException {
        FakeSysfs sys = new FakeSysfs(tmp).driver("pci0000:00/0000:00:15.0/0000:03:00.0", "vmw_pvscsi")
                .disk("sda", "pci0000:00/0000:00:15.0/0000:03:00.0/host0/target0:0:0/0:0:0:0/block/sda", 2, "VMware  ", "Virtual disk", 1000)
                .driver("pci0000:00/0000:00:10.0", "mptspi")
                .disk("sdb", "pci0000:00/0000:00:10.0/host2/target2:0:0/2:0:0:0/block/sdb", 2, "VMware, ", "VMware Virtual S", 1000);
        List<BlockDisk> disks = new SysfsDisks(sys.root).disks();
        assertEquals("VMware SCSI (vmw_pvscsi)", disks.get(0).controller());
        assertEquals("VMware SCSI (mptspi)", disks.get(1).controller());
    }

    @Test
    void lsiLogicOnRealHardwareIsScsiNotVmware() throws IOException {
        FakeSysfs sys = new FakeSysfs(tmp).driver("pci0000:00/0000:00:10.0", "mptspi")
                .disk("sda", "pci0000:00/0000:00:10.0/host2/target2:0:0/2:0:0:0/block/sda", 2, "SEAGATE", "ST373455LC", 1000);
        assertEquals("SCSI/SAS (mptspi)", only(sys).controller());
    }

    @Test
    void usbUasAndUsbStorage() throws IOException {
        String hub = "pci0000:00/0000:00:14.0/usb2/2-1";
        FakeSysfs sys = new FakeSysfs(tmp).driver("pci0000:00/0000:00:14.0", "xhci_hcd").driver(hub + "/2-1:1.0", "uas")
                .disk("sdc", hub + "/2-1:1.0/host4/target4:0:0/4:0:0:0/block/sdc", 2, "Samsung", "Portable SSD T5", 1000)
                .driver(hub + "/2-2:1.0", "usb-storage")
                .disk("sdd", hub + "/2-2:1.0/host5/target5:0:0/5:0:0:0/block/sdd", 2, "SanDisk", "Cruzer", 1000)
                .write("devices/" + hub + "/2-2:1.0/host5/target5:0:0/5:0:0:0/block/sdd/removable", "1\n");
        List<BlockDisk> disks = new SysfsDisks(sys.root).disks();
        assertEquals("USB (uas)", disks.get(0).controller());
        assertEquals("USB (usb-storage)", disks.get(1).controller());
        assertTrue(disks.get(1).removable());
    }

    @Test
    void loopRamZramCdMdAndDmAreNotDisks() throws IOException {
        FakeSysfs sys = new FakeSysfs(tmp);
        for (String n : List.of("loop0", "loop12", "ram0", "zram0", "sr0", "md127", "md_d0", "dm-0", "fd0", "nbd0")) {
            sys.disk(n, "virtual/block/" + n, 0, null, null, 1000);
        }
        sys.driver("pci0000:00/0000:00:04.0", "nvme").disk("nvme0n1", "pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1", 1, null, "x", 1000);
        assertEquals(List.of("nvme0n1"), new SysfsDisks(sys.root).disks().stream().map(BlockDisk::name).toList());
    }

    @Test
    void hostileAttributesAreIgnoredNotBelieved() throws IOException {
        FakeSysfs sys = new FakeSysfs(tmp).driver("pci0000:00/0000:00:04.0", "nvme")
                .disk("nvme0n1", "pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1", 1, null, "y".repeat(300), 1000)
                .write("devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/size", "-5")
                .write("devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/queue/logical_block_size", "1000");
        BlockDisk d = only(sys);
        assertEquals("", d.model(), "longer than sysfs ever writes: not shown");
        assertEquals(0, d.size());
        assertEquals(512, d.logicalBlockSize());
        sys.write("devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/size", "99999999999999999");
        assertEquals(0, only(sys).size(), "more sectors than a long holds in bytes: unknown, not wrapped");
    }

    @Test
    void noSysfsIsOneClearLine() {
        IOException e = assertThrows(IOException.class, () -> new SysfsDisks(tmp.resolve("nothing")).disks());
        assertTrue(e.getMessage().contains("sysfs is not mounted"), e.getMessage());
    }

    @Test
    void intelRstAndDdfContainersTheKernelAssembledNameTheirMembers() throws IOException {
        FakeSysfs sys = new FakeSysfs(tmp);
        sys.disk("md127", "virtual/block/md127", 0, null, null, 0).write("devices/virtual/block/md127/md/metadata_version", "external:imsm\n");
        sys.disk("md126", "virtual/block/md126", 0, null, null, 2000).write("devices/virtual/block/md126/md/metadata_version", "external:/md127/0\n");
        sys.disk("md125", "virtual/block/md125", 0, null, null, 0).write("devices/virtual/block/md125/md/metadata_version", "external:ddf\n");
        sys.disk("md1", "virtual/block/md1", 0, null, null, 0).write("devices/virtual/block/md1/md/metadata_version", "1.2\n");
        Files.createDirectories(sys.root.resolve("devices/virtual/block/md127/slaves/sda"));
        Files.createDirectories(sys.root.resolve("devices/virtual/block/md126/slaves/sdb"));
        Files.createDirectories(sys.root.resolve("devices/virtual/block/md125/slaves/sdc1"));
        Files.createDirectories(sys.root.resolve("devices/virtual/block/md1/slaves/sde"));
        for (String d : List.of("sda", "sdb", "sdc", "sde")) {
            sys.disk(d, "pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/" + d, 2, "ATA", "disk", 1000);
        }
        sys.write("devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sdc/sdc1/partition", "1");
        Map<String, String> raid = new SysfsDisks(sys.root).externalRaid();
        assertEquals(Map.of("sda", "imsm (md127)", "sdb", "imsm (md126)", "sdc", "ddf (md125)"), raid,
                "native md (1.2) is Linux's own RAID, not firmware RAID");
    }

    @Test
    void partitionsMapToTheirDisk() throws IOException {
        FakeSysfs sys = new FakeSysfs(tmp).driver("pci0000:00/0000:00:04.0", "nvme")
                .disk("nvme0n1", "pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1", 1, null, "x", 1000)
                .write("devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p3/partition", "3")
                .write("devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/queue/logical_block_size", "512");
        SysfsDisks disks = new SysfsDisks(sys.root);
        assertEquals("nvme0n1", disks.wholeDisk("nvme0n1p3").orElseThrow());
        assertEquals("nvme0n1", disks.wholeDisk("nvme0n1").orElseThrow());
        assertTrue(disks.wholeDisk("../../etc").isEmpty());
        assertTrue(disks.wholeDisk("sdz").isEmpty());
        assertTrue(disks.wholeDisk("queue").isEmpty(), "a disk's other folders are not partitions");
    }
}
