package io.bootmedic.platform.windows;

import java.util.ArrayList;
import java.util.List;

/** Splits a NUL-separated, double-NUL-terminated string list as Windows APIs return it. */
final class MultiSz {
    private MultiSz() {
    }

    static List<String> split(char[] buffer) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < buffer.length; i++) {
            if (buffer[i] == 0) {
                if (i == start) {
                    break;
                }
                out.add(new String(buffer, start, i - start));
                start = i + 1;
            }
        }
        return out;
    }
}
