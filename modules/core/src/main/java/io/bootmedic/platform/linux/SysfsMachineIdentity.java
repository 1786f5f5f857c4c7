package io.bootmedic.platform.linux;

import io.bootmedic.platform.MachineIdentity;
import io.bootmedic.platform.SmbiosFacts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * SMBIOS through /sys/class/dmi/id. product_serial and product_uuid are root-only; without root
 * they read as null, which the report allows.
 */
public final class SysfsMachineIdentity {
    public static final Path DMI = Path.of("/sys/class/dmi/id");
    private static final int MAX = 256;

    private SysfsMachineIdentity() {
    }

    public static MachineIdentity read(Path dmi) {
        return new SmbiosFacts(field(dmi, "sys_vendor"), field(dmi, "product_name"), field(dmi, "bios_version"),
                field(dmi, "product_serial"), field(dmi, "product_uuid"), field(dmi, "chassis_asset_tag"));
    }

    /** One sysfs attribute, trimmed; null when missing, unreadable, empty or implausibly long. */
    static String field(Path dmi, String name) {
        try {
            byte[] bytes = Files.readAllBytes(dmi.resolve(name));
            if (bytes.length == 0 || bytes.length > MAX) {
                return null;
            }
            String s = new String(bytes, StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? null : s;
        } catch (IOException | SecurityException e) {
            return null;
        }
    }
}
