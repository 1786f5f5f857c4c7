package io.bootmedic.cloud.kvm;

/** Domain definitions for libvirt's test driver, shaped like a KVM Windows guest's. */
final class TestDomains {
    private TestDomains() {
    }

    static final String WIN10 = "http://microsoft.com/win/10";
    static final String UBUNTU = "http://ubuntu.com/ubuntu/22.04";

    static String minimal(String name) {
        return domain(name, "destroy", "", null);
    }

    /**
     * A guest with a CD-ROM (boot order 2), a data disk listed first (no boot order) and the boot
     * disk second with boot order 1: the boot order, not the position, names the boot disk.
     */
    static String windowsGuest(String name, String format, String bootDisk, String dataDisk, String onPoweroff) {
        return guest(name, WIN10, format, bootDisk, dataDisk, onPoweroff);
    }

    static String guest(String name, String osinfo, String format, String bootDisk, String dataDisk, String onPoweroff) {
        return domain(name, onPoweroff, ""
                + "    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='/var/lib/libvirt/images/virtio-win.iso'/>"
                + "<target dev='sda' bus='sata'/><readonly/><boot order='2'/></disk>\n"
                + "    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='" + dataDisk + "'/>"
                + "<target dev='vdb' bus='virtio'/></disk>\n"
                + "    <disk type='file' device='disk'><driver name='qemu' type='" + format + "'/><source file='" + bootDisk + "'/>"
                + "<target dev='vda' bus='virtio'/><boot order='1'/></disk>\n", osinfo);
    }

    static String withDisk(String name, String diskXml) {
        return domain(name, "destroy", "    " + diskXml + "\n", WIN10);
    }

    /** One disk, given as XML; {@code osinfo} is the libosinfo id in the metadata (null: none). */
    static String withDisk(String name, String osinfo, String onPoweroff, String diskXml) {
        return domain(name, onPoweroff, "    " + diskXml + "\n", osinfo);
    }

    static String fileDisk(String format, String file, String target) {
        return "<disk type='file' device='disk'><driver name='qemu' type='" + format + "'/><source file='" + file + "'/>"
                + "<target dev='" + target + "' bus='" + (target.startsWith("sd") ? "sata" : "virtio") + "'/></disk>";
    }

    private static String domain(String name, String onPoweroff, String disks, String osinfo) {
        return "<domain type='test'>\n"
                + "  <name>" + name + "</name>\n"
                + (osinfo == null ? "" : "  <metadata><libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>"
                        + "<libosinfo:os id='" + osinfo + "'/></libosinfo:libosinfo></metadata>\n")
                + "  <memory unit='MiB'>4096</memory>\n"
                + "  <vcpu>2</vcpu>\n"
                + "  <os><type arch='x86_64'>hvm</type></os>\n"
                + "  <on_poweroff>" + onPoweroff + "</on_poweroff>\n"
                + "  <devices>\n" + disks + "  </devices>\n"
                + "</domain>\n";
    }
}
