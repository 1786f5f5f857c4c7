package io.bootmedic.platform;

import java.util.Locale;
import java.util.Set;

/**
 * Decides serial and VM ID from SMBIOS strings, the same way on Windows (WMI Win32_BIOS /
 * Win32_ComputerSystemProduct) and Linux (/sys/class/dmi/id), so both report the same host.
 */
public record SmbiosFacts(String manufacturer, String productName, String biosVersion, String serial, String uuid,
                          String chassisAssetTag)
        implements MachineIdentity {

    // Values vendors leave in SMBIOS instead of a real serial; reporting them would merge machines.
    private static final Set<String> PLACEHOLDERS = Set.of("", "0", "none", "default string", "to be filled by o.e.m.",
            "system serial number", "not specified", "not applicable", "123456789", "00000000");

    public static final String AZURE_ASSET_TAG = "7783-7084-3265-9085-8269-3286-77";

    @Override
    public String biosSerial() {
        if (serial == null) {
            return null;
        }
        String s = serial.trim();
        return PLACEHOLDERS.contains(s.toLowerCase(Locale.ROOT)) ? null : s;
    }

    /** Which hypervisor, or null on physical hardware. */
    public String hypervisor() {
        String m = lower(manufacturer);
        String p = lower(productName);
        String b = lower(biosVersion);
        String u = lower(uuid);
        if (m.contains("microsoft") && p.contains("virtual machine")) {
            // Azure VMs are Hyper-V guests; Azure alone stamps this chassis asset tag.
            return AZURE_ASSET_TAG.equals(chassisAssetTag == null ? "" : chassisAssetTag.trim()) ? "azure" : "hyper-v";
        }
        if (m.contains("vmware") || p.contains("vmware")) {
            return "vmware";
        }
        if (m.contains("amazon ec2") || b.contains("amazon") || u.startsWith("ec2")) {
            return "aws";
        }
        if (m.contains("qemu") || p.contains("kvm") || m.contains("red hat")) {
            return "kvm";
        }
        if (m.contains("xen") || p.contains("hvm domu")) {
            return "xen";
        }
        return null;
    }

    @Override
    public String hypervisorVmId() {
        if (hypervisor() == null || uuid == null || uuid.isBlank()) {
            return null;
        }
        return uuid.trim().toUpperCase(Locale.ROOT);
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }
}
