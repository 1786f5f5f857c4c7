package io.bootmedic.platform;

/** What Windows' GetDriveTypeW reports; only FIXED and REMOVABLE volumes can hold an installed Windows. */
public enum DriveType {
    UNKNOWN, NO_ROOT_DIR, REMOVABLE, FIXED, REMOTE, CDROM, RAMDISK;

    /** Maps the DRIVE_* constant (0..6); anything else is UNKNOWN rather than an error. */
    public static DriveType fromWin32(int code) {
        DriveType[] all = values();
        return code >= 0 && code < all.length ? all[code] : UNKNOWN;
    }
}
