package io.bootmedic.platform.windows;

import com.sun.jna.Structure;
import com.sun.jna.win32.W32APITypeMapper;

/** Structures for the disk IOCTLs that jna-platform does not map. */
final class DiskIo {
    /** CTL_CODE(IOCTL_DISK_BASE=7, 0x17, METHOD_BUFFERED, FILE_READ_ACCESS) */
    static final int IOCTL_DISK_GET_LENGTH_INFO = 0x0007405C;

    private DiskIo() {
    }

    /** GET_LENGTH_INFORMATION: one LARGE_INTEGER, 8 bytes. */
    @Structure.FieldOrder({"Length"})
    public static class GetLengthInformation extends Structure {
        public long Length;

        public GetLengthInformation() {
            super(W32APITypeMapper.DEFAULT);
        }
    }
}
