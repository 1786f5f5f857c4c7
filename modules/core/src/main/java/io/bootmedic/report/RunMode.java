package io.bootmedic.report;

/** Where bootmedic ran, as the report's {@code mode} says it (docs/design.md, the report contract). */
public enum RunMode {
    /** In Windows PE booted from the stick or the recovery partition: the broken Windows is another volume. */
    WINPE("winpe"),
    /** In the broken Windows itself, booted in safe mode. */
    SAFE_MODE("safe-mode"),
    /** In a normally booted Windows (a helper VM, an admin's PC) on a drive that is mounted. */
    WINDOWS("windows"),
    /** On a directory where a Windows drive is mounted (Linux /mnt/c, a Mount-VHD letter). */
    MOUNTED_ROOT("mounted-root"),
    /** On a disk image file (raw, VHD, VHDX, qcow2). */
    OFFLINE_IMAGE("offline-image"),
    /** On a block device (a cloud OS disk attached to a worker). */
    DEVICE("device");

    private final String wire;

    RunMode(String wire) {
        this.wire = wire;
    }

    /** The name in the report JSON. */
    public String wire() {
        return wire;
    }

    /** bootmedic runs on the broken machine itself, so it may reboot it and change its boot settings. */
    public boolean onTheBrokenMachine() {
        return this == WINPE || this == SAFE_MODE;
    }

    /** The disk belongs to another machine: the person must put it back before booting. */
    public boolean offline() {
        return this == OFFLINE_IMAGE || this == DEVICE;
    }

    @Override
    public String toString() {
        return wire;
    }
}
