package io.bootmedic.platform.linux;

/** The kind of controller a disk hangs off, as the rescue console names it. */
public enum StorageBus {
    NVME("NVMe"),
    /** NVMe behind Intel Volume Management Device (laptops in "RAID"/"VMD" mode); Linux's vmd driver exposes it. */
    INTEL_VMD("NVMe behind Intel VMD"),
    SATA("SATA (AHCI)"),
    IDE("IDE/ATA"),
    VIRTIO_BLK("virtio-blk"),
    VIRTIO_SCSI("virtio-scsi"),
    HYPERV("Hyper-V SCSI"),
    VMWARE("VMware SCSI"),
    USB("USB"),
    SCSI("SCSI/SAS"),
    OTHER("other");

    private final String label;

    StorageBus(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
