package io.bootmedic.cli;

import io.bootmedic.console.Outcome;
import io.bootmedic.console.WinPeConsole;
import io.bootmedic.platform.ProcessCommandRunner;
import io.bootmedic.report.Report;
import io.bootmedic.util.Os;
import io.bootmedic.platform.windows.SafeModeBoot;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;

/** What an admin asks for after a successful fix on the machine itself: leave safe mode, restart. */
final class AfterFix {
    private AfterFix() {
    }

    static boolean onWindows() {
        return Os.isWindows();
    }

    /** Restarts the machine; a seam so the WinPE flow can be tested without restarting anything. */
    @FunctionalInterface
    interface Rebooter {
        void rebootNow() throws IOException;
    }

    /**
     * The end of a run in WinPE: the banner a person reads from across the room, and with
     * --reboot a countdown that any key cancels (someone may want to look at the screen first).
     */
    static void winpeFinish(Report report, Integer rebootSeconds, WinPeConsole console, Rebooter rebooter) throws IOException {
        Outcome outcome = Outcome.fromReport(report.outcome());
        long handled = report.volumes().stream().flatMap(v -> v.actions().stream())
                .filter(a -> a.action().equals("quarantined") || a.action().equals("neutralized")).count();
        String computers = String.join(", ", report.volumes().stream().map(v -> v.windows().computerName()).filter(n -> n != null).toList());
        console.banner(outcome, handled + " faulty file(s) handled on " + report.volumes().size() + " Windows volume(s)"
                + (computers.isEmpty() ? "" : " (" + computers + ")"));
        if (rebootSeconds != null && outcome.restartAfterwards() && console.rebootCountdown(rebootSeconds)) {
            rebooter.rebootNow();
        }
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
