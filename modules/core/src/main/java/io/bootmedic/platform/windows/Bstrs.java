package io.bootmedic.platform.windows;

import com.sun.jna.Pointer;

/**
 * Overwrites a BSTR before it is freed: SysFreeString gives the memory back as it is, so a
 * recovery password passed to WMI would otherwise stay readable in the process heap. A BSTR's
 * byte length is the 32-bit value just before its first character (what SysStringByteLen reads).
 */
final class Bstrs {
    /** A recovery password is 55 characters; no BSTR bootmedic makes comes near this. */
    static final int MAX_BYTES = 1 << 20;

    private Bstrs() {
    }

    /** Zeroes the characters and the terminating NUL; a null or implausible BSTR is left alone. */
    static void wipe(Pointer bstr) {
        if (bstr == null) {
            return;
        }
        int bytes = bstr.getInt(-4);
        if (bytes < 0 || bytes > MAX_BYTES) {
            return;
        }
        bstr.setMemory(0, bytes + 2L, (byte) 0);
    }
}
