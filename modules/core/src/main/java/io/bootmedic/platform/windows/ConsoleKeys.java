package io.bootmedic.platform.windows;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.bootmedic.console.WinPeConsole;
import io.bootmedic.util.Os;

/**
 * "Press any key" for the WinPE countdown. The Windows console hands System.in a line only after
 * Enter, so any other key would go unseen; the C runtime's {@code _kbhit}/{@code _getch} see each
 * key press (msvcrt.dll is part of WinPE). Elsewhere, bytes waiting on System.in count.
 * Checked against the CRT documentation; runs only on Windows.
 */
public final class ConsoleKeys {
    interface Msvcrt extends Library {
        int _kbhit();

        int _getch();
    }

    private ConsoleKeys() {
    }

    public static WinPeConsole.KeyPoller poller() {
        if (Os.isWindows()) {
            try {
                Msvcrt crt = Native.load("msvcrt", Msvcrt.class);
                return () -> {
                    boolean pressed = false;
                    while (crt._kbhit() != 0) {
                        crt._getch(); // drain, so the key does not land in the next prompt
                        pressed = true;
                    }
                    return pressed;
                };
            } catch (UnsatisfiedLinkError e) {
                // fall through to System.in: Enter still cancels
            }
        }
        return () -> {
            boolean pressed = System.in.available() > 0;
            while (System.in.available() > 0) {
                System.in.read();
            }
            return pressed;
        };
    }
}
