package io.bootmedic.cli;

import io.bootmedic.console.WinPeConsole;
import io.bootmedic.report.Report;
import io.bootmedic.report.WinReNext;

import java.io.IOException;

/** The end of a run that WinRE started (fix --winre): restart into Windows after a repair, otherwise hand back to WinRE's menu at once. */
final class WinReFinish {
    /** The countdown when --reboot gives none: short, the machine has been down long enough, and still long enough to press a key. */
    static final int DEFAULT_COUNTDOWN_SECONDS = 10;

    private WinReFinish() {
    }

    /** WinRE's boot control on Windows (the machine's own store); elsewhere (a test of the flow on Linux) one that says what it would have done. */
    static AfterFix.BootControl bootControl(WinPeConsole console) {
        if (AfterFix.onWindows()) {
            return AfterFix.winRe();
        }
        return new AfterFix.BootControl() {
            @Override
            public java.util.List<String> clearSafeboot() {
                return java.util.List.of();
            }

            @Override
            public void rebootNow() {
                console.line("bootmedic: not on Windows: the restart into Windows is left out here");
            }
        };
    }

    static WinReNext finish(Report report, Integer rebootSeconds, WinPeConsole console, AfterFix.BootControl boot) throws IOException {
        WinReNext next = WinReNext.after(report);
        if (next == WinReNext.RESTART_INTO_WINDOWS) {
            AfterFix.winpeFinish(report, rebootSeconds == null ? DEFAULT_COUNTDOWN_SECONDS : rebootSeconds, console, boot);
        } else {
            // no banner to read and no countdown: whoever is at the machine wants WinRE's own menu
            console.line("bootmedic: nothing repaired here (" + report.outcome() + "); back to the Windows Recovery menu. "
                    + "The report is in the outbox" + (report.volumes().isEmpty() ? "." : " and on the Windows volume."));
        }
        return next;
    }
}
