package io.bootmedic.fuzz;

/** How {@link BitLockerMetadataFuzzTest} lays its input out as a small volume (shared with the mutation tests). */
public final class FuzzLayout {
    /** The fuzzed volume: 1 MiB, with the input laid out where a small BitLocker volume keeps its parts. */
    public static final int VOLUME = 1 << 20;
    /** Where the seeds' headers put the three metadata copies and the encrypt-on-write area. */
    public static final int[] COPIES = {0x10000, 0x40000, 0x80000};
    public static final int EOW_AREA = 0xC0000;

    private FuzzLayout() {
    }

    /** Bytes 0-511: the volume header; the next 64 KiB at each copy's place; the rest at {@link #EOW_AREA}. */
    public static byte[] layOut(byte[] input) {
        byte[] disk = new byte[VOLUME];
        System.arraycopy(input, 0, disk, 0, Math.min(512, input.length));
        if (input.length > 512) {
            int n = Math.min(input.length - 512, 0x10000);
            for (int c : COPIES) {
                System.arraycopy(input, 512, disk, c, n);
            }
            if (input.length > 512 + 0x10000) {
                System.arraycopy(input, 512 + 0x10000, disk, EOW_AREA, Math.min(input.length - 512 - 0x10000, VOLUME - EOW_AREA));
            }
        }
        return disk;
    }
}
