package io.bootmedic.platform;

import java.util.List;

/**
 * One volume as the operating system sees it.
 *
 * @param guidPath    {@code \\?\Volume{GUID}\} (with the trailing backslash Windows returns)
 * @param mountPoints drive letters and folder mount points, e.g. {@code C:\}; empty when it has none
 * @param label       volume label, null when unreadable (a locked BitLocker volume)
 * @param fileSystem  NTFS, FAT32, ...; null when unreadable (locked or RAW)
 * @param sizeBytes   total size, -1 when unknown
 * @param deviceName  the NT device path ({@code \Device\HarddiskVolume3}, as bcdedit names a letterless volume), null when unknown
 */
public record VolumeInfo(String guidPath, List<String> mountPoints, String label, String fileSystem, DriveType driveType,
                         long sizeBytes, String deviceName) {
    public VolumeInfo {
        mountPoints = List.copyOf(mountPoints);
    }

    public VolumeInfo(String guidPath, List<String> mountPoints, String label, String fileSystem, DriveType driveType, long sizeBytes) {
        this(guidPath, mountPoints, label, fileSystem, driveType, sizeBytes, null);
    }

    /** True when the boot configuration's {@code C:} or {@code \Device\HarddiskVolumeN} names this volume. */
    public boolean isNamedBy(String device) {
        if (device == null || device.isBlank()) {
            return false;
        }
        String d = device.strip();
        if (d.length() == 2 && d.charAt(1) == ':') {
            return mountPoints.stream().anyMatch(m -> m.equalsIgnoreCase(d + "\\"));
        }
        return deviceName != null && deviceName.equalsIgnoreCase(d);
    }

    /** The first mount point, or null when the volume has none. */
    public String firstMountPoint() {
        return mountPoints.isEmpty() ? null : mountPoints.get(0);
    }

    /** For messages: "C:\ (Windows, 237 GB)" or the GUID path of a letterless volume. */
    public String describe() {
        String where = mountPoints.isEmpty() ? guidPath + " (no drive letter)" : String.join(", ", mountPoints);
        StringBuilder s = new StringBuilder(where);
        if (label != null && !label.isEmpty()) {
            s.append(" \"").append(label).append('"');
        }
        if (sizeBytes >= 0) {
            s.append(", ").append(sizeBytes / (1000L * 1000 * 1000)).append(" GB");
        }
        return s.toString();
    }
}
