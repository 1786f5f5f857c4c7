package io.bootmedic.platform.windows;

import java.util.OptionalInt;

/** Picks a drive letter that GetLogicalDrives says is free (bit 0 = A:). */
final class DriveLetters {
    private DriveLetters() {
    }

    /** The GetLogicalDrives-style mask of GetLogicalDriveStrings' roots ("C:\\", "X:\\"). */
    static int mask(java.util.List<String> roots) {
        int mask = 0;
        for (String root : roots) {
            char c = root.isEmpty() ? 0 : Character.toUpperCase(root.charAt(0));
            if (c >= 'A' && c <= 'Z') {
                mask |= 1 << (c - 'A');
            }
        }
        return mask;
    }

    /**
     * The free letter to lend a letterless volume, from Z: down to D: so the machine's own
     * letters (C:, the stick, WinPE's X:) stay where people expect them; A: and B: are never used.
     */
    static OptionalInt free(int usedMask) {
        for (char letter = 'Z'; letter >= 'D'; letter--) {
            if ((usedMask & (1 << (letter - 'A'))) == 0) {
                return OptionalInt.of(letter);
            }
        }
        return OptionalInt.empty();
    }
}
