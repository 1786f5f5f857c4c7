package io.bootmedic.rescue;

import io.bootmedic.platform.linux.BlockDisk;
import io.bootmedic.platform.linux.SysfsDisks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which disks the console looks at: every disk sysfs lists, but never the stick's own or the one
 * holding BOOTMEDIC-DATA, and firmware RAID members named and refused. Members are found two ways:
 * the kernel assembled them (an imsm/ddf md container in sysfs), or their metadata anchor is at the
 * end of the disk. The anchor is read with a read-only channel before anything opens the disk for writing.
 */
public final class DiskSurvey {
    /** What to do with a RAID member: the advice that cannot lose data. Switching the controller's mode can. */
    static final String RAID_ADVICE = "bootmedic never opens a RAID member, not even to read. Boot WinPE with the Intel RST (or the controller's) "
            + "driver, or repair the volume with the RAID's own tools; do not switch the controller to AHCI in the firmware, that can lose data";

    private final SysfsDisks sysfs;
    private final Path dev;

    /** @param dev where the disks' device files are: /dev on the machine, a folder of images in tests */
    public DiskSurvey(SysfsDisks sysfs, Path dev) {
        this.sysfs = sysfs;
        this.dev = dev;
    }

    /** The result: disks to show (refused ones included, so they are named) and lines about the disks left out. */
    public record Result(List<RescueDisk> disks, List<String> skipped) {
        public List<RescueDisk> usable() {
            return disks.stream().filter(d -> !d.refused()).toList();
        }
    }

    /** @param excluded whole-disk or partition names of the stick and the data volume (sdb, sdb3), with why ("the stick") */
    public Result survey(Map<String, String> excluded) throws IOException {
        List<RescueDisk> disks = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Map<String, String> own = new java.util.HashMap<>();
        for (Map.Entry<String, String> e : excluded.entrySet()) {
            own.putIfAbsent(sysfs.wholeDisk(e.getKey()).orElse(e.getKey()), e.getValue());
        }
        Map<String, String> assembled = sysfs.externalRaid();
        for (BlockDisk d : sysfs.disks()) {
            if (own.containsKey(d.name())) {
                skipped.add(d.name() + ": " + own.get(d.name()) + ", not looked at");
                continue;
            }
            if (d.size() == 0) {
                skipped.add(d.name() + ": no medium (0 bytes), not looked at");
                continue;
            }
            Path device = dev.resolve(d.name());
            String refusal = null;
            if (assembled.containsKey(d.name())) {
                String kind = assembled.get(d.name());
                refusal = "a member of the " + (kind.startsWith("imsm") ? "Intel RST RAID set (IMSM) " : "DDF RAID set ") + kind.substring(kind.indexOf('(') + 1,
                        kind.length() - 1) + " the kernel assembled. " + RAID_ADVICE;
            } else {
                try {
                    Optional<RaidMetadata.Found> found = RaidMetadata.find(device, d.size());
                    if (found.isPresent()) {
                        refusal = found.get().kind().what() + " (its anchor is at byte " + found.get().offset() + "). " + RAID_ADVICE;
                    }
                } catch (IOException | SecurityException e) {
                    // unreadable end of disk: whether it is a RAID member is not known, so it is not touched
                    refusal = "its last sectors could not be read to check for RAID metadata (" + e.getMessage() + "), so it is not opened; "
                            + "a failing disk? Copy it with ddrescue before anything else";
                }
            }
            disks.add(new RescueDisk(d, device, refusal));
        }
        return new Result(List.copyOf(disks), List.copyOf(skipped));
    }

    /** Sizes as a person reads them on the screen, in binary units like lsblk. */
    static String humanSize(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
