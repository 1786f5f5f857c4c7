package io.bootmedic.platform.windows;

import io.bootmedic.platform.BitLockerStatus;
import io.bootmedic.platform.CommandRunner;
import io.bootmedic.platform.LockState;
import io.bootmedic.platform.OemCodePage;
import io.bootmedic.platform.ProcessCommandRunner;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parsers on output other people recorded on real Windows machines (src/test/resources/recorded,
 * README there names each source), in the form a pipe delivers it: CRLF, OEM code page, decoded
 * by the code real runs use.
 */
class RecordedOutputTest {
    static byte[] bytes(String name) throws IOException {
        try (InputStream in = RecordedOutputTest.class.getResourceAsStream("/recorded/" + name)) {
            if (in == null) {
                throw new IOException("test sample missing: src/test/resources/recorded/" + name);
            }
            return in.readAllBytes();
        }
    }

    static String decoded(String name) throws IOException {
        int codePage = name.endsWith(".cp850") ? 850 : 437;
        return ProcessCommandRunner.decode(bytes(name), OemCodePage.forCodePage(codePage));
    }

    @Test
    void theSamplesAreCrlfInTheirOemCodePage() throws IOException {
        byte[] raw = bytes("bcdedit-enum-all-v-de-winre.cp850");
        String latin1 = new String(raw, StandardCharsets.ISO_8859_1);
        assertTrue(latin1.contains("\r\n") && !latin1.replace("\r\n", "").contains("\n"), "CRLF only");
        assertTrue(latin1.contains("Ger\u0084teoptionen"), "ä is 0x84 in code page 850");
        assertTrue(decoded("bcdedit-enum-all-v-de-winre.cp850").contains("Geräteoptionen"));
        assertFalse(new String(raw, StandardCharsets.UTF_8).contains("Geräteoptionen"), "UTF-8 would garble it");
    }

    @Test
    void germanBcdeditEntriesByStructureNotWords() throws IOException {
        List<BcdEnum.Entry> entries = BcdEnum.parse(decoded("bcdedit-enum-de-win10.cp850"));
        assertEquals(List.of("Windows-Start-Manager", "Windows-Startladeprogramm", "Windows-Startladeprogramm"),
                entries.stream().map(BcdEnum.Entry::heading).toList());
        assertEquals(List.of("{bootmgr}", "{current}", "{40410e52-f5c6-11e4-b335-b9c94abbc75d}"), entries.stream().map(BcdEnum.Entry::identifier).toList());
        BcdEnum.Entry current = entries.get(1);
        assertEquals("partition=C:", current.value("osdevice"));
        assertEquals("{1a50fb7b-ddd8-11e7-947a-90c110837293}", current.value("recoverysequence"));
        assertEquals(List.of("{current}", "{40410e52-f5c6-11e4-b335-b9c94abbc75d}"), entries.get(0).elements().get("displayorder"),
                "a value continued on an indented line keeps both");
        assertFalse(current.has("bezeichner"), "the identifier, whatever its name, is not an element");
        assertFalse(SafeModeBoot.safebootSet(decoded("bcdedit-enum-de-win10.cp850")));
    }

    @Test
    void winReEntriesInBothLanguages() throws IOException {
        for (String name : List.of("bcdedit-enum-all-v-en-win11.cp437", "bcdedit-enum-all-v-de-winre.cp850")) {
            List<BcdEnum.Entry> entries = BcdEnum.parse(decoded(name));
            BcdEnum.Entry winre = entries.stream().filter(BcdEnum.Entry::isWinPe).findFirst().orElseThrow();
            assertTrue(winre.value("osdevice").startsWith("ramdisk=["), name);
            List<BcdEnum.Entry> recoveredBy = entries.stream().filter(e -> !e.isWinPe() && winre.identifier().equals(e.value("recoverysequence"))
                    && e.has("osdevice")).toList();
            assertEquals(1, recoveredBy.size(), name + ": one OS loader names this WinRE as its recovery (the resume entry does too, without osdevice)");
        }
    }

    @Test
    void safebootFromARealSafeModeMachineIsFoundAndDeletedInTheNamedStore() throws IOException {
        String recorded = decoded("bcdedit-enum-en-safeboot.cp437");
        assertTrue(SafeModeBoot.safebootSet(recorded));
        List<List<String>> calls = new ArrayList<>();
        CommandRunner runner = (cmd, t) -> {
            calls.add(cmd);
            return new CommandRunner.Result(0, cmd.contains("/enum") ? recorded : "The operation completed successfully.");
        };
        Path store = Path.of("Z:\\EFI\\Microsoft\\Boot\\BCD");
        assertEquals(List.of("{default}"), new SafeModeBoot(runner).clearSafeboot(new SafeModeBoot.BcdStore(store), List.of("{default}")));
        assertEquals(List.of("bcdedit", "/store", store.toString(), "/deletevalue", "{default}", "safeboot"), calls.get(1));
    }

    @Test
    void manageBdeStatusRecordedInEnglishAndGerman() throws IOException {
        BitLockerStatus en = ManageBdeOutput.parseStatus(decoded("manage-bde-status-en-win11.cp437"));
        assertEquals(LockState.UNLOCKED, en.lockState());
        assertEquals("AES-256", en.method());
        BitLockerStatus de = ManageBdeOutput.parseStatus(decoded("manage-bde-status-de-encrypted.cp850"));
        assertEquals(LockState.UNLOCKED, de.lockState());
        assertEquals("XTS-AES-128", de.method());
        BitLockerStatus plain = ManageBdeOutput.parseStatus(decoded("manage-bde-status-de-decrypted.cp850"));
        assertEquals(LockState.NOT_ENCRYPTED, plain.lockState());
        assertNull(plain.method());
    }

    @Test
    void reagentcInfoNamesTheWinReEntry() throws IOException {
        String info = decoded("reagentc-info-en-enabled.cp437");
        assertTrue(info.contains("\\\\?\\GLOBALROOT\\device\\harddisk0\\partition4\\Recovery\\WindowsRE"), info);
        assertTrue(info.contains("8e73986c-289e-11f0-bf53-a4d06eada308"), info);
    }
}
