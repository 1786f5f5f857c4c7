package io.bootmedic.rescue;

import io.bootmedic.platform.linux.BlockDisk;

import java.nio.file.Path;

/**
 * A disk of the machine as the console shows it.
 *
 * @param device  where it is opened (/dev/nvme0n1)
 * @param refusal why it is never opened (a RAID member), one line for the screen; null for a disk to look at
 */
public record RescueDisk(BlockDisk disk, Path device, String refusal) {
    public String name() {
        return disk.name();
    }

    public boolean refused() {
        return refusal != null;
    }

    /** "476.9 GiB", for the screen. */
    public String size() {
        return DiskSurvey.humanSize(disk.size());
    }
}
