package io.bootmedic.platform.windows;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The spellings Windows wants for one volume: GUID path, device path for CreateFileW, drive letter. */
public final class VolumePaths {
    private static final Pattern GUID_PATH = Pattern.compile("\\\\\\\\[?.]\\\\Volume(\\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\\})\\\\?");
    private static final Pattern DRIVE = Pattern.compile("([A-Za-z]):\\\\?");

    private VolumePaths() {
    }

    /**
     * {@code \\.\C:} or {@code \\.\Volume{…}} (no trailing backslash: with one, CreateFileW opens
     * the root directory instead of the volume).
     */
    public static String devicePath(String volume) {
        Matcher g = GUID_PATH.matcher(volume);
        if (g.matches()) {
            return "\\\\.\\Volume" + g.group(1).toLowerCase(Locale.ROOT);
        }
        Matcher d = DRIVE.matcher(volume);
        if (d.matches()) {
            return "\\\\.\\" + d.group(1).toUpperCase(Locale.ROOT) + ":";
        }
        throw new IllegalArgumentException("not a volume path: " + volume
                + " (expected a drive letter like C: or a GUID path like \\\\?\\Volume{...}\\)");
    }

    /** {@code \\?\Volume{…}\} with the trailing backslash that the mount point APIs require. */
    public static String guidPathWithSlash(String volume) {
        Matcher g = GUID_PATH.matcher(volume);
        if (!g.matches()) {
            throw new IllegalArgumentException("not a volume GUID path: " + volume);
        }
        return "\\\\?\\Volume" + g.group(1).toLowerCase(Locale.ROOT) + "\\";
    }

    /** The GUID with braces, upper case, or null when {@code volume} is not a GUID path. */
    public static String guid(String volume) {
        Matcher g = GUID_PATH.matcher(volume);
        return g.matches() ? g.group(1).toUpperCase(Locale.ROOT) : null;
    }

    /** WMI's Win32_EncryptableVolume.DeviceID: {@code \\?\Volume{guid}\}. */
    public static String wmiDeviceId(String volume) {
        return guidPathWithSlash(volume);
    }
}
