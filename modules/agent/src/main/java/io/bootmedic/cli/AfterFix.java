package io.bootmedic.cli;

import io.bootmedic.console.WinPeConsole;
import io.bootmedic.platform.LocalVolumePorts;
import io.bootmedic.platform.ProcessCommandRunner;
import io.bootmedic.platform.windows.MachineBcdStores;
import io.bootmedic.platform.windows.SafeModeBoot;
import io.bootmedic.platform.windows.WindowsPlatform;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunOutcome;
import io.bootmedic.util.Os;

import java.io.IOException;
import java.io.PrintWriter;

/** What an admin asks for after a successful fix on the machine itself: leave safe mode, restart. */
final class AfterFix {
    private AfterFix() {
    }

    static boolean onWindows() {
        return Os.isWindows();
    }

    /** The boot configuration and the restart; a seam so the WinPE flow can be tested without touching either. */
    interface BootControl {
        /** Removes a {@code safeboot} left set; returns the entries it was removed from. */
        java.util.List<String> clearSafeboot() throws IOException;

        void rebootNow() throws IOException;
    }

    /**
     * WinPE's: bcdedit on {default} of the machine's own store, named with /store (the system store
     * is the stick's), then wpeutil reboot. No store found: an IOException that says safe mode was not checked.
     */
    static BootControl winPe() {
        SafeModeBoot boot = new SafeModeBoot(new ProcessCommandRunner(WindowsPlatform.oemCharset()));
        return new BootControl() {
            @Override
            public java.util.List<String> clearSafeboot() throws IOException {
                LocalVolumePorts ports;
                try {
                    ports = ThisPlatform.get().localVolumes(line -> { });
                } catch (LinkageError e) {
                    throw new IOException(io.bootmedic.platform.PlatformPackaging.explain(e), e);
                }
                java.util.List<String> cleared = new java.util.ArrayList<>();
                try (MachineBcdStores stores = new MachineBcdStores(ports.volumes(), ports.mounts(), System.getenv("SystemDrive"))) {
                    java.util.List<java.nio.file.Path> found = stores.find(line -> { });
                    if (found.isEmpty()) {
                        throw new IOException("the machine's boot configuration (\\EFI\\Microsoft\\Boot\\BCD or \\Boot\\BCD on a fixed disk) "
                                + "was not found, so whether safe mode is set was NOT checked");
                    }
                    for (java.nio.file.Path store : found) {
                        for (String entry : boot.clearSafeboot(new SafeModeBoot.BcdStore(store), java.util.List.of("{default}"))) {
                            cleared.add(entry + " of " + store);
                        }
                    }
                }
                return cleared;
            }

            @Override
            public void rebootNow() throws IOException {
                boot.rebootWinPe();
            }
        };
    }

    /** WinRE's: started by the machine's own boot manager, so the system store is the machine's; {default} is its Windows. */
    static BootControl winRe() {
        SafeModeBoot boot = new SafeModeBoot(new ProcessCommandRunner(WindowsPlatform.oemCharset()));
        return new BootControl() {
            @Override
            public java.util.List<String> clearSafeboot() throws IOException {
                return boot.clearSafeboot(SafeModeBoot.BcdStore.SYSTEM, java.util.List.of("{default}"));
            }

            @Override
            public void rebootNow() throws IOException {
                boot.rebootWinPe();
            }
        };
    }

    /**
     * The end of a run in WinPE: the banner a person reads from across the room, and with
     * --reboot a countdown that any key cancels (someone may want to look at the screen first).
     */
    static void winpeFinish(Report report, Integer rebootSeconds, WinPeConsole console, BootControl boot) throws IOException {
        RunOutcome outcome = report.outcome();
        long handled = report.filesMadeHarmless();
        String computers = String.join(", ", report.volumes().stream().map(v -> v.windows().computerName()).filter(n -> n != null).toList());
        console.banner(outcome, handled + " faulty file(s) handled on " + report.volumes().size() + " Windows volume(s)"
                + (computers.isEmpty() ? "" : " (" + computers + ")"));
        if (outcome.restartAfterwards() && ConsoleReport.safeModeWanted(report)) {
            console.line("This machine is set to start in safe mode, as the playbook asks.");
        } else if (outcome.restartAfterwards()) {
            // an earlier safe-mode attempt (the kit, or by hand) may have left safeboot set: the repaired
            // machine would come back in safe mode and look as broken as before
            try {
                java.util.List<String> cleared = boot.clearSafeboot();
                if (!cleared.isEmpty()) {
                    console.line("This machine was still set to start in safe mode (left by an earlier attempt): switched off in "
                            + String.join(" and ", cleared) + ", so it starts normally.");
                }
            } catch (IOException e) {
                console.line("Could not check whether safe mode is still set (" + e.getMessage() + "). If Windows starts in safe mode, "
                        + "run there: bcdedit /deletevalue {current} safeboot");
            }
        }
        if (rebootSeconds != null && outcome.restartAfterwards() && console.rebootCountdown(rebootSeconds)) {
            boot.rebootNow();
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
        SafeModeBoot boot = new SafeModeBoot(new ProcessCommandRunner(WindowsPlatform.oemCharset()));
        if (clearSafeboot) {
            java.util.List<String> cleared = boot.clearSafeboot();
            out.println(!cleared.isEmpty() ? "safe mode switched off (" + String.join(", ", cleared) + "): the next start is a normal one"
                    : "safe mode was not set in the boot configuration; nothing changed");
        }
        if (rebootSeconds != null) {
            boot.reboot(rebootSeconds);
            out.println("restarting in " + rebootSeconds + " s (to cancel: shutdown /a)");
        }
    }
}
