package io.bootmedic.platform.windows;

import io.bootmedic.platform.CommandRunner;
import io.bootmedic.platform.RecoveryTarget;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** {@link RecoveryTarget} from bcdedit in WinRE ({@link WinReTargetOs} reads the answers). */
public final class BcdRecoveryTarget implements RecoveryTarget {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final CommandRunner runner;

    public BcdRecoveryTarget(CommandRunner runner) {
        this.runner = runner;
    }

    @Override
    public String osDevice() throws IOException {
        return WinReTargetOs.osDevice(run("/enum", "{current}", "/v"), run("/enum", "all", "/v"));
    }

    private String run(String... args) throws IOException {
        List<String> cmd = SafeModeBoot.command(SafeModeBoot.BcdStore.SYSTEM, args);
        CommandRunner.Result r = runner.run(cmd, TIMEOUT);
        if (r.exitCode() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + r.exitCode());
        }
        return r.output();
    }
}
