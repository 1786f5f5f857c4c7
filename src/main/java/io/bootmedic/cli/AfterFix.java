package io.bootmedic.cli;

import io.bootmedic.platform.ProcessCommandRunner;
import io.bootmedic.platform.windows.SafeModeBoot;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;

/** What an admin asks for after a successful fix on the machine itself: leave safe mode, restart. */
final class AfterFix {
    private AfterFix() {
    }

    static boolean onWindows() {
        return System.getProperty("os.name", "").startsWith("Windows");
    }

    static void run(boolean clearSafeboot, Integer rebootSeconds, PrintWriter out) throws IOException {
        if (!clearSafeboot && rebootSeconds == null) {
            return;
        }
        if (!onWindows()) {
            out.println("note: --clear-safeboot and --reboot act on the Windows machine bootmedic runs on; nothing to do here");
            return;
        }
        SafeModeBoot boot = new SafeModeBoot(new ProcessCommandRunner(Charset.defaultCharset()));
        if (clearSafeboot) {
            out.println(boot.clearSafeboot() ? "safe mode switched off: the next start is a normal one"
                    : "safe mode was not set in the boot configuration; nothing changed");
        }
        if (rebootSeconds != null) {
            boot.reboot(rebootSeconds);
            out.println("restarting in " + rebootSeconds + " s (to cancel: shutdown /a)");
        }
    }
}
