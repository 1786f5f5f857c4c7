package io.bootmedic.platform.windows;

import com.sun.jna.Structure;
import com.sun.jna.win32.W32APITypeMapper;

/** Structures for the disk IOCTLs that jna-platform does not map. */
final class DiskIo {
    /** CTL_CODE(IOCTL_DISK_BASE=7, 0x17, METHOD_BUFFERED, FILE_READ_ACCESS) */
    static final int IOCTL_DISK_GET_LENGTH_INFO = 0x0007405C;
    /** CTL_CODE(IOCTL_VOLUME_BASE=0x56, 0, METHOD_BUFFERED, FILE_ANY_ACCESS) */
    static final int IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS = 0x00560000;

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

    /** DISK_EXTENT: DWORD DiskNumber, then two LARGE_INTEGERs aligned to 8: 24 bytes. */
    @Structure.FieldOrder({"DiskNumber", "StartingOffset", "ExtentLength"})
    public static class DiskExtent extends Structure {
        public int DiskNumber;
        public long StartingOffset;
        public long ExtentLength;

        public DiskExtent() {
            super(W32APITypeMapper.DEFAULT);
        }
    }

    /** VOLUME_DISK_EXTENTS with room for one extent (a spanned volume reports ERROR_MORE_DATA): 32 bytes. */
    @Structure.FieldOrder({"NumberOfDiskExtents", "Extents"})
    public static class VolumeDiskExtents extends Structure {
        public int NumberOfDiskExtents;
        public DiskExtent[] Extents = new DiskExtent[1];

        public VolumeDiskExtents() {
            super(W32APITypeMapper.DEFAULT);
        }
    }
}
