package io.bootmedic.platform.windows;

import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.platform.BitLockerCodes;
import io.bootmedic.platform.BitLockerControlException;
import io.bootmedic.platform.BitLockerStatus;
import io.bootmedic.platform.CommandRunner;
import io.bootmedic.platform.LockState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManageBdeBitLockerControlTest {
    static final String PASSWORD = "000011-000022-000033-000044-000055-000066-000077-000088";
    @TempDir
    Path temp;

    /** Answers each manage-bde call with a recorded output; remembers what was asked. */
    static final class Recorded implements CommandRunner {
        final List<List<String>> calls = new ArrayList<>();
        final List<Result> answers;
        byte[] keyFileSeen;

        Recorded(Result... answers) {
            this.answers = new ArrayList<>(List.of(answers));
        }

        @Override
        public Result run(List<String> command, java.time.Duration timeout) throws java.io.IOException {
            calls.add(command);
            int k = command.indexOf("-RecoveryKey");
            if (k >= 0) {
                keyFileSeen = Files.readAllBytes(Path.of(command.get(k + 1)));
            }
            return answers.remove(0);
        }
    }

    @Test
    void lockedGermanVolumeReportsItsRecoveryPasswordId() throws Exception {
        Recorded runner = new Recorded(new CommandRunner.Result(0, ManageBdeOutputTest.sample("status-de-locked.txt")),
                new CommandRunner.Result(0, "Volume \"D:\"\r\n    Numerisches Kennwort:\r\n      ID: {8F0E4B2A-3C1D-4E5F-A6B7-C8D9E0F1A2B3}\r\n"));
        BitLockerStatus s = new ManageBdeBitLockerControl(runner, "manage-bde", temp).status("D:");
        assertEquals(LockState.LOCKED, s.lockState());
        assertEquals(List.of("{8F0E4B2A-3C1D-4E5F-A6B7-C8D9E0F1A2B3}"), s.numericalPasswordIds());
        assertEquals(List.of("manage-bde", "-protectors", "-get", "D:", "-Type", "RecoveryPassword"), runner.calls.get(1));
    }

    @Test
    void wrongPasswordGivesCodeAndNeverTheDigits() throws Exception {
        Recorded runner = new Recorded(new CommandRunner.Result(-1, ManageBdeOutputTest.sample("unlock-de-wrong.txt")));
        BitLockerControlException e = assertThrows(BitLockerControlException.class, () -> new ManageBdeBitLockerControl(runner, "manage-bde", temp)
                .unlockWithRecoveryPassword("D:", RecoveryPassword.parse(PASSWORD)));
        assertTrue(e.wrongKey());
        assertEquals(BitLockerCodes.FVE_E_FAILED_AUTHENTICATION, e.code());
        assertTrue(e.getMessage().contains("0x80310027"), e.getMessage());
        assertFalse(e.getMessage().contains("000011"), e.getMessage());
    }

    @Test
    void unknownFailureEchoesOutputWithPasswordsHidden() throws Exception {
        Recorded runner = new Recorded(new CommandRunner.Result(1, "something odd " + PASSWORD));
        BitLockerControlException e = assertThrows(BitLockerControlException.class, () -> new ManageBdeBitLockerControl(runner, "manage-bde", temp)
                .unlockWithRecoveryPassword("D:", RecoveryPassword.parse(PASSWORD)));
        assertFalse(e.getMessage().contains("000011"), e.getMessage());
        assertTrue(e.getMessage().contains("something odd"), e.getMessage());
    }

    @Test
    void bekKeyIsPassedAsAFileThatIsGoneAfterwards() throws Exception {
        Recorded runner = new Recorded(new CommandRunner.Result(0, "Der Schlüssel hat das Volume D: entsperrt."));
        byte[] bek = {1, 2, 3, 4, 5};
        new ManageBdeBitLockerControl(runner, "manage-bde", temp).unlockWithExternalKey("D:", bek);
        assertArrayEquals(bek, runner.keyFileSeen);
        try (var left = Files.list(temp)) {
            assertEquals(0, left.count(), "the .BEK copy must be deleted");
        }
    }
}
