package io.bootmedic.platform.windows;

import io.bootmedic.platform.CommandRunner;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
            return new CommandRunner.Result(0, cmd.contains("/enum") && cmd.contains("{current}") ? ENUM_SAFE
                    : cmd.contains("/enum") ? ENUM_SAFE.replace("safeboot                Minimal\n", "") : "Der Vorgang wurde erfolgreich beendet.");
        };
        assertEquals(List.of("{current}"), new SafeModeBoot(runner).clearSafeboot());
        assertEquals(List.of("bcdedit", "/deletevalue", "{current}", "safeboot"), calls.get(1));
        assertEquals(List.of("bcdedit", "/enum", "{default}"), calls.get(2), "{default} is checked too");
        assertEquals(3, calls.size());

        calls.clear();
        CommandRunner notSet = (cmd, t) -> {
            calls.add(cmd);
            return new CommandRunner.Result(0, ENUM_SAFE.replace("safeboot                Minimal\n", ""));
        };
        assertEquals(List.of(), new SafeModeBoot(notSet).clearSafeboot());
        assertEquals(2, calls.size(), "nothing to delete, so bcdedit /deletevalue must not run");
    }

    @Test
    void failureSaysWhatToRunByHand() {
        CommandRunner runner = (cmd, t) -> new CommandRunner.Result(cmd.contains("/enum") ? 0 : 1,
                cmd.contains("/enum") ? ENUM_SAFE : "Access is denied.");
        IOException e = assertThrows(IOException.class, () -> new SafeModeBoot(runner).clearSafeboot(SafeModeBoot.BcdStore.SYSTEM, List.of("{default}")));
        assertTrue(e.getMessage().contains("bcdedit /deletevalue {default} safeboot"), e.getMessage());
    }

    /** In WinPE the installed Windows' entry is {default} of the machine's store, named with /store; {current} would be WinPE's own. */
    @Test
    void inWinPeOnlyTheDefaultEntryOfTheMachinesStoreIsTouched() throws IOException {
        List<List<String>> calls = new ArrayList<>();
        CommandRunner runner = (cmd, t) -> {
            calls.add(cmd);
            return new CommandRunner.Result(0, cmd.contains("/enum") ? ENUM_SAFE.replace("{current}", "{default}") : "");
        };
        String bcd = "S:\\EFI\\Microsoft\\Boot\\BCD";
        assertEquals(List.of("{default}"), new SafeModeBoot(runner).clearSafeboot(new SafeModeBoot.BcdStore(java.nio.file.Path.of(bcd)), List.of("{default}")));
        assertEquals(List.of(List.of("bcdedit", "/store", bcd, "/enum", "{default}"), List.of("bcdedit", "/store", bcd, "/deletevalue", "{default}", "safeboot")),
                calls);
    }

    @Test
    void winPeRestartsWithWpeutilNotShutdown() throws IOException {
        List<List<String>> calls = new ArrayList<>();
        new SafeModeBoot((cmd, t) -> {
            calls.add(cmd);
            return new CommandRunner.Result(0, "");
        }).rebootWinPe();
        assertEquals(List.of(List.of("wpeutil", "reboot")), calls);
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
