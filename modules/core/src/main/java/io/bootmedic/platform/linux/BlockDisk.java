package io.bootmedic.platform.linux;

/**
 * One whole disk as sysfs describes it.
 *
 * @param name     the kernel's name (nvme0n1, sda, vda), also its file name under /dev
 * @param bus      the controller kind
 * @param driver   the driver nearest the disk that names the controller (nvme, ahci, vmd, hv_storvsc, ...), or "unknown"
 * @param model    vendor and model as the disk reports them (untrusted text), or ""
 * @param size     bytes; 0 when sysfs did not say
 * @param logicalBlockSize 512 or 4096 (512 when sysfs did not say)
 */
public record BlockDisk(String name, StorageBus bus, String driver, String model, long size, boolean removable, int logicalBlockSize) {
    /** "NVMe behind Intel VMD (vmd)". */
    public String controller() {
        return bus.label() + " (" + driver + ")";
    }
}
