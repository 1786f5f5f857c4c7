package io.bootmedic.platform.windows;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.bootmedic.console.WinPeConsole;
import io.bootmedic.util.Os;

/**
 * "Press any key" for the WinPE countdown. The Windows console hands System.in a line only after
 * Enter, so any other key would go unseen; the C runtime's {@code _kbhit}/{@code _getch} see each
 * key press (msvcrt.dll is part of WinPE). Elsewhere, bytes waiting on System.in count, but only
 * when a person is there to type them (a console): when stdin is a pipe or a file its bytes are
 * not key presses, and asking a stdin that another part of the process reads can block (a test
 * runner's command channel held the stream's lock and stretched a 1 s countdown to 18 s).
 * The Windows branch was checked against the CRT documentation; it runs only on Windows.
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
            } catch (LinkageError e) {
                // fall through to System.in: Enter still cancels
            }
        }
        return fromStdin(System.console() != null, System.in);
    }

    /** Key presses as bytes on {@code in}; none at all when no one sits at a console. */
    static WinPeConsole.KeyPoller fromStdin(boolean interactive, java.io.InputStream in) {
        if (!interactive) {
            return () -> false;
        }
        return () -> {
            boolean pressed = in.available() > 0;
            while (in.available() > 0) {
                in.read();
            }
            return pressed;
        };
    }
}
