package io.bootmedic.platform.windows;

import io.bootmedic.platform.CommandRunner;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeModeBootTest {
    static final String ENUM_SAFE = """
            Windows-Startladeprogramm
            -------------------------
            Bezeichner              {current}
            device                  partition=C:
            path                    \\WINDOWS\\system32\\winload.efi
            description             Windows 10
            locale                  de-DE
            safeboot                Minimal
            """;

    @Test
    void deletesSafebootOnlyWhenSet() throws IOException {
        List<List<String>> calls = new ArrayList<>();
        CommandRunner runner = (cmd, t) -> {
            calls.add(cmd);
            return new CommandRunner.Result(0, calls.size() == 1 ? ENUM_SAFE : "Der Vorgang wurde erfolgreich beendet.");
        };
        assertTrue(new SafeModeBoot(runner).clearSafeboot());
        assertEquals(List.of("bcdedit", "/deletevalue", "{default}", "safeboot"), calls.get(1));

        calls.clear();
        CommandRunner notSet = (cmd, t) -> {
            calls.add(cmd);
            return new CommandRunner.Result(0, ENUM_SAFE.replace("safeboot                Minimal\n", ""));
        };
        assertFalse(new SafeModeBoot(notSet).clearSafeboot());
        assertEquals(1, calls.size(), "nothing to delete, so bcdedit /deletevalue must not run");
    }

    @Test
    void failureSaysWhatToRunByHand() {
        CommandRunner runner = (cmd, t) -> new CommandRunner.Result(cmd.contains("/enum") ? 0 : 1,
                cmd.contains("/enum") ? ENUM_SAFE : "Access is denied.");
        IOException e = assertThrows(IOException.class, () -> new SafeModeBoot(runner).clearSafeboot());
        assertTrue(e.getMessage().contains("bcdedit /deletevalue {default} safeboot"), e.getMessage());
    }

    @Test
    void rebootCommand() throws IOException {
        List<List<String>> calls = new ArrayList<>();
        new SafeModeBoot((cmd, t) -> {
            calls.add(cmd);
            return new CommandRunner.Result(0, "");
        }).reboot(30);
        assertEquals(List.of(List.of("shutdown", "/r", "/t", "30")), calls);
        assertThrows(IllegalArgumentException.class, () -> new SafeModeBoot((c, t) -> null).reboot(-1));
    }
}
