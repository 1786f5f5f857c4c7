package io.bootmedic.platform.windows;

import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.platform.BitLockerCodes;
import io.bootmedic.platform.BitLockerControl;
import io.bootmedic.platform.BitLockerControlException;
import io.bootmedic.platform.BitLockerStatus;
import io.bootmedic.platform.CommandRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * BitLocker through {@code manage-bde.exe}, for boot images without the WMI provider. Slower and
 * the recovery password is briefly on a command line (acceptable in single-user WinPE), so the
 * WMI control is preferred when it works.
 */
public final class ManageBdeBitLockerControl implements BitLockerControl {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private final CommandRunner runner;
    private final String manageBde;
    private final Path tempDir;

    /** @param manageBde usually {@code X:\Windows\System32\manage-bde.exe} or just {@code manage-bde} */
    public ManageBdeBitLockerControl(CommandRunner runner, String manageBde, Path tempDir) {
        this.runner = runner;
        this.manageBde = manageBde;
        this.tempDir = tempDir;
    }

    @Override
    public BitLockerStatus status(String volume) throws IOException {
        CommandRunner.Result status = run(List.of(manageBde, "-status", volume), "read the BitLocker status of " + volume);
        BitLockerStatus parsed;
        try {
            parsed = ManageBdeOutput.parseStatus(status.output());
        } catch (IllegalArgumentException e) {
            throw new BitLockerControlException("could not read the BitLocker status of " + volume + ": " + e.getMessage(), e);
        }
        if (parsed.lockState() == io.bootmedic.platform.LockState.NOT_ENCRYPTED) {
            return parsed;
        }
        CommandRunner.Result protectors = runner.run(
                List.of(manageBde, "-protectors", "-get", volume, "-Type", "RecoveryPassword"), TIMEOUT);
        // No recovery password protector is an error exit; the volume then simply has no ID to name.
        List<String> ids = protectors.exitCode() == 0 ? ManageBdeOutput.recoveryPasswordIds(protectors.output()) : List.of();
        return new BitLockerStatus(parsed.lockState(), parsed.method(), ids);
    }

    @Override
    public void unlockWithRecoveryPassword(String volume, RecoveryPassword password) throws IOException {
        run(List.of(manageBde, "-unlock", volume, "-RecoveryPassword", password.reveal()), "unlock " + volume);
    }

    @Override
    public void unlockWithExternalKey(String volume, byte[] bek) throws IOException {
        // manage-bde takes a key file only as a path; keep it on the RAM disk for the shortest time.
        // The folder (%TEMP%\bootmedic) does not exist on a fresh WinPE boot.
        Files.createDirectories(tempDir);
        Path file = Files.createTempFile(tempDir, "bootmedic-", ".bek");
        try {
            Files.write(file, bek);
            run(List.of(manageBde, "-unlock", volume, "-RecoveryKey", file.toString()), "unlock " + volume + " with the .BEK key");
        } finally {
            Files.write(file, new byte[bek.length]);
            Files.deleteIfExists(file);
        }
    }

    private CommandRunner.Result run(List<String> command, String what) throws IOException {
        CommandRunner.Result result;
        try {
            result = runner.run(command, TIMEOUT);
        } catch (IOException e) {
            throw new BitLockerControlException("could not " + what + ": manage-bde did not start (" + e.getMessage()
                    + "). The boot image needs WinPE-SecureStartup; rebuild it with winpe\\build.ps1", e);
        }
        if (result.exitCode() != 0) {
            int code = ManageBdeOutput.errorCode(result.output());
            if (code != 0) {
                throw new BitLockerControlException("could not " + what + ": " + BitLockerCodes.describe(code), code);
            }
            throw new BitLockerControlException("could not " + what + ": manage-bde exited with " + result.exitCode() + ": "
                    + firstLines(ManageBdeOutput.redact(result.output())), 0);
        }
        return result;
    }

    private static String firstLines(String output) {
        String trimmed = output.strip();
        return trimmed.length() > 300 ? trimmed.substring(0, 300) + "…" : trimmed;
    }
}
