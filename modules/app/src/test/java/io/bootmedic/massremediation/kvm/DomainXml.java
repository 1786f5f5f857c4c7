package io.bootmedic.massremediation.kvm;

/** Domain definitions for libvirt's test driver, shaped like a KVM Windows guest's. */
final class DomainXml {
    private DomainXml() {
    }

    static String minimal(String name) {
        return domain(name, "destroy", "");
    }

    /**
     * A guest with a CD-ROM (boot order 2), a data disk listed first (no boot order) and the boot
     * disk second with boot order 1: the boot order, not the position, names the boot disk.
     */
    static String windowsGuest(String name, String format, String bootDisk, String dataDisk, String onPoweroff) {
        return domain(name, onPoweroff, ""
                + "    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='/var/lib/libvirt/images/virtio-win.iso'/>"
                + "<target dev='sda' bus='sata'/><readonly/><boot order='2'/></disk>\n"
                + "    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='" + dataDisk + "'/>"
                + "<target dev='vdb' bus='virtio'/></disk>\n"
                + "    <disk type='file' device='disk'><driver name='qemu' type='" + format + "'/><source file='" + bootDisk + "'/>"
                + "<target dev='vda' bus='virtio'/><boot order='1'/></disk>\n");
    }

    static String withDisk(String name, String diskXml) {
        return domain(name, "destroy", "    " + diskXml + "\n");
    }

    private static String domain(String name, String onPoweroff, String disks) {
        return "<domain type='test'>\n"
                + "  <name>" + name + "</name>\n"
                + "  <memory unit='MiB'>4096</memory>\n"
                + "  <vcpu>2</vcpu>\n"
                + "  <os><type arch='x86_64'>hvm</type></os>\n"
                + "  <on_poweroff>" + onPoweroff + "</on_poweroff>\n"
                + "  <devices>\n" + disks + "  </devices>\n"
                + "</domain>\n";
    }
}
