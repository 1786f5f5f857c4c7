package io.bootmedic.platform.windows;

import io.bootmedic.platform.CommandRunner;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Leaves safe mode and restarts. The safe-mode kit sets {@code safeboot} so the machine comes up
 * without the faulty driver; once repaired that value must go, or it boots to safe mode forever.
 */
public final class SafeModeBoot {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern SAFEBOOT_LINE = Pattern.compile("(?m)^safeboot\\s");
    private final CommandRunner runner;

    public SafeModeBoot(CommandRunner runner) {
        this.runner = runner;
    }

    /**
     * {@code bcdedit /deletevalue {default} safeboot}. Returns false when safeboot was not set
     * (bcdedit's element names are not translated, so {@code /enum} output can be searched).
     */
    public boolean clearSafeboot() throws IOException {
        CommandRunner.Result listed = runner.run(List.of("bcdedit", "/enum", "{default}"), TIMEOUT);
        if (listed.exitCode() != 0) {
            throw new IOException("could not read the boot configuration (bcdedit exited " + listed.exitCode() + ": "
                    + listed.output().strip() + "). Run bootmedic as Administrator");
        }
        if (!SAFEBOOT_LINE.matcher(listed.output().toLowerCase(Locale.ROOT)).find()) {
            return false;
        }
        CommandRunner.Result r = runner.run(List.of("bcdedit", "/deletevalue", "{default}", "safeboot"), TIMEOUT);
        if (r.exitCode() != 0) {
            throw new IOException("could not switch safe mode off (bcdedit exited " + r.exitCode() + ": " + r.output().strip()
                    + "). Run as Administrator: bcdedit /deletevalue {default} safeboot, then restart");
        }
        return true;
    }

    /** {@code shutdown /r /t N}: restart in {@code seconds}, giving the person at the console time to read. */
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
}
