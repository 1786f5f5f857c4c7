package io.bootmedic.platform.windows;

import io.bootmedic.platform.CommandRunner;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Leaves safe mode and restarts. The safe-mode kit sets {@code safeboot} so the machine comes up
 * without the faulty driver; once repaired that value must go, or it boots to safe mode forever.
 * In safe mode the value may sit on {@code {current}} (what Microsoft's recovery script clears)
 * or on {@code {default}} (what the kit sets), so both are checked, in the system store. From
 * WinPE the system store is the stick's own, so the machine's store is named with
 * {@code /store <ESP>\EFI\Microsoft\Boot\BCD} ({@link MachineBcdStores} finds it) and there only
 * {@code {default}} names the installed Windows. In WinRE, booted by the machine's own boot
 * manager, the system store is the machine's.
 */
public final class SafeModeBoot {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private final CommandRunner runner;

    public SafeModeBoot(CommandRunner runner) {
        this.runner = runner;
    }

    /** Which boot configuration store bcdedit works on: the system store, or a BCD file named with /store. */
    public record BcdStore(Path file) {
        public static final BcdStore SYSTEM = new BcdStore(null);

        List<String> args() {
            return file == null ? List.of() : List.of("/store", file.toString());
        }

        @Override
        public String toString() {
            return file == null ? "the system store" : file.toString();
        }
    }

    /** Safe mode, where the system store is the machine's: {@code {current}} and {@code {default}}. */
    public List<String> clearSafeboot() throws IOException {
        return clearSafeboot(BcdStore.SYSTEM, List.of("{current}", "{default}"));
    }

    /**
     * Deletes {@code safeboot} from {@code entries} of {@code store} wherever it is set. The element
     * name is not translated, so this works in any display language ({@link BcdEnum}).
     *
     * @return the entries it was removed from; empty when it was set nowhere
     */
    public List<String> clearSafeboot(BcdStore store, List<String> entries) throws IOException {
        List<String> cleared = new ArrayList<>();
        for (String entry : entries) {
            CommandRunner.Result listed = runner.run(command(store, "/enum", entry), TIMEOUT);
            if (listed.exitCode() != 0) {
                throw new IOException("could not read the boot configuration (bcdedit " + (store.file() == null ? "" : "/store " + store + " ")
                        + "/enum " + entry + " exited " + listed.exitCode() + ": " + listed.output().strip() + "). Run bootmedic as Administrator");
            }
            if (!safebootSet(listed.output())) {
                continue;
            }
            List<String> delete = command(store, "/deletevalue", entry, "safeboot");
            CommandRunner.Result r = runner.run(delete, TIMEOUT);
            if (r.exitCode() != 0) {
                throw new IOException("could not switch safe mode off (bcdedit exited " + r.exitCode() + ": " + r.output().strip()
                        + "). Run as Administrator: " + String.join(" ", delete) + ", then restart");
            }
            cleared.add(entry);
        }
        return cleared;
    }

    static List<String> command(BcdStore store, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("bcdedit");
        cmd.addAll(store.args());
        cmd.addAll(List.of(args));
        return cmd;
    }

    static boolean safebootSet(String enumOutput) {
        return BcdEnum.parse(enumOutput).stream().anyMatch(e -> e.has("safeboot"));
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
