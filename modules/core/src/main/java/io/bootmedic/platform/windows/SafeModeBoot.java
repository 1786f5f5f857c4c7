package io.bootmedic.platform.windows;

import io.bootmedic.platform.CommandRunner;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Leaves safe mode and restarts. The safe-mode kit sets {@code safeboot} so the machine comes up
 * without the faulty driver; once repaired that value must go, or it boots to safe mode forever.
 * In safe mode the value may sit on {@code {current}} (what Microsoft's recovery script clears)
 * or on {@code {default}} (what the kit sets), so both are checked. In WinPE the system store is
 * the installed Windows' own, where only {@code {default}} names it ({@code {current}} would be
 * WinPE's entry on the stick).
 */
public final class SafeModeBoot {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern SAFEBOOT_LINE = Pattern.compile("(?m)^safeboot\\s");
    private final CommandRunner runner;

    public SafeModeBoot(CommandRunner runner) {
        this.runner = runner;
    }

    /**
     * Deletes {@code safeboot} wherever it is set. bcdedit's element names are not translated, so
     * {@code /enum} output can be searched in any display language.
     *
     * @param inWinPe true when running in WinPE (only {@code {default}} is looked at)
     * @return the entries it was removed from; empty when it was set nowhere
     */
    public List<String> clearSafeboot(boolean inWinPe) throws IOException {
        List<String> cleared = new ArrayList<>();
        for (String entry : inWinPe ? List.of("{default}") : List.of("{current}", "{default}")) {
            CommandRunner.Result listed = runner.run(List.of("bcdedit", "/enum", entry), TIMEOUT);
            if (listed.exitCode() != 0) {
                throw new IOException("could not read the boot configuration (bcdedit /enum " + entry + " exited " + listed.exitCode() + ": "
                        + listed.output().strip() + "). Run bootmedic as Administrator");
            }
            if (!SAFEBOOT_LINE.matcher(listed.output().toLowerCase(Locale.ROOT)).find()) {
                continue;
            }
            CommandRunner.Result r = runner.run(List.of("bcdedit", "/deletevalue", entry, "safeboot"), TIMEOUT);
            if (r.exitCode() != 0) {
                throw new IOException("could not switch safe mode off (bcdedit exited " + r.exitCode() + ": " + r.output().strip()
                        + "). Run as Administrator: bcdedit /deletevalue " + entry + " safeboot, then restart");
            }
            cleared.add(entry);
        }
        return cleared;
    }

    /** {@code shutdown /r /t N} (a full Windows, safe mode included): restart in {@code seconds}. */
    public void reboot(int seconds) throws IOException {
        if (seconds < 0 || seconds > 315_360_000) {
            throw new IllegalArgumentException("reboot delay must be 0..315360000 seconds, was " + seconds);
        }
        CommandRunner.Result r = runner.run(List.of("shutdown", "/r", "/t", Integer.toString(seconds)), TIMEOUT);
        if (r.exitCode() != 0) {
            throw new IOException("could not restart (shutdown exited " + r.exitCode() + ": " + r.output().strip()
                    + "). Restart the machine by hand");
        }
    }

    /** {@code wpeutil reboot}: WinPE has no shutdown.exe; the countdown before it is bootmedic's own. */
    public void rebootWinPe() throws IOException {
        CommandRunner.Result r = runner.run(List.of("wpeutil", "reboot"), TIMEOUT);
        if (r.exitCode() != 0) {
            throw new IOException("could not restart (wpeutil reboot exited " + r.exitCode() + ": " + r.output().strip()
                    + "). Type 'wpeutil reboot' or restart the machine by hand");
        }
    }
}
