package io.bootmedic.platform.windows;

import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.platform.BitLockerControlException;
import io.bootmedic.platform.BitLockerStatus;
import io.bootmedic.platform.LockState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The WMI orchestration against the answers Win32_EncryptableVolume documents for each method
 * (learn.microsoft.com, secprov pages: GetLockStatus, GetEncryptionMethod, GetKeyProtectors,
 * UnlockWithNumericalPassword, GetExternalKeyFromFile, UnlockWithExternalKey). These are
 * documented answers replayed, not captures from a real machine; docs/winpe.md says which
 * paths have run on real Windows.
 */
class WmiBitLockerControlTest {
    static final String VOLUME = "\\\\?\\Volume{6B1C3A5E-2F4D-4E8A-9B7C-0D1E2F3A4B5C}\\";
    static final String PATH = "\\\\PE\\ROOT\\CIMV2\\Security\\MicrosoftVolumeEncryption:Win32_EncryptableVolume.DeviceID=\"x\"";
    static final String RP = "000011-000022-000033-000044-000055-000066-000077-000088";

    @TempDir
    Path tmp;

    /** Replays one answer per method and records each call's inputs. */
    static final class Recorded implements WmiMethods {
        final Map<String, WmiResult> answers = new HashMap<>();
        final List<String> calls = new ArrayList<>();
        final Map<String, Map<String, Object>> inputs = new HashMap<>();
        String path = PATH;
        Path bekSeenAt;
        boolean bekExistedDuringCall;

        @Override
        public String instancePath(String deviceId) {
            return path;
        }

        @Override
        public WmiResult call(String instancePath, String method, Map<String, Object> in, List<String> outputs) {
            calls.add(method);
            Map<String, Object> copy = new HashMap<>();
            in.forEach((k, v) -> copy.put(k, v instanceof byte[] b ? b.clone() : v)); // the caller wipes keys afterwards
            inputs.put(method, copy);
            if (method.equals("GetExternalKeyFromFile")) {
                bekSeenAt = Path.of((String) in.get("PathWithFileName"));
                bekExistedDuringCall = Files.isRegularFile(bekSeenAt);
            }
            WmiResult r = answers.get(method);
            if (r == null) {
                throw new AssertionError("unexpected call " + method);
            }
            return r;
        }

        @Override
        public void close() {
        }
    }

    static WmiResult ok(String name, Object value) {
        return new WmiResult(0, Map.of(name, value));
    }

    @Test
    void aVolumeBitLockerNeverTurnedOnIsPlainNotUnknown() throws Exception {
        Recorded wmi = new Recorded();
        wmi.answers.put("GetLockStatus", ok("LockStatus", 0));
        wmi.answers.put("GetEncryptionMethod", ok("EncryptionMethod", 0));
        // GetKeyProtectors on a volume without protectors: FVE_E_NOT_ACTIVATED, no out-parameter
        wmi.answers.put("GetKeyProtectors", new WmiResult(0x80310008, Map.of()));
        BitLockerStatus s = new WmiBitLockerControl(wmi, tmp).status(VOLUME);
        assertEquals(LockState.NOT_ENCRYPTED, s.lockState());
        assertEquals(List.of(), s.numericalPasswordIds());
    }

    @Test
    void aLockedVolumeNamesItsRecoveryPasswordIdsUpperCase() throws Exception {
        Recorded wmi = new Recorded();
        wmi.answers.put("GetLockStatus", ok("LockStatus", 1));
        wmi.answers.put("GetEncryptionMethod", ok("EncryptionMethod", 6));
        wmi.answers.put("GetKeyProtectors", ok("VolumeKeyProtectorID", new String[] {"{64311dea-4587-4029-924a-ba299647998e}"}));
        BitLockerStatus s = new WmiBitLockerControl(wmi, tmp).status(VOLUME);
        assertEquals(LockState.LOCKED, s.lockState());
        assertEquals("XTS-AES-128", s.method());
        assertEquals(List.of("{64311DEA-4587-4029-924A-BA299647998E}"), s.numericalPasswordIds());
        assertEquals(3, wmi.inputs.get("GetKeyProtectors").get("KeyProtectorType"), "numerical passwords only");
    }

    @Test
    void aVolumeBitLockerDoesNotListIsPlainWithoutAnyMethodCall() throws Exception {
        Recorded wmi = new Recorded();
        wmi.path = null;
        assertEquals(LockState.NOT_ENCRYPTED, new WmiBitLockerControl(wmi, tmp).status(VOLUME).lockState());
        assertEquals(List.of(), wmi.calls);
    }

    @Test
    void aBekUnlockCreatesTheMissingTempFolderAndLeavesNoKeyFileBehind() throws Exception {
        Path temp = tmp.resolve("Temp").resolve("bootmedic"); // %TEMP%\bootmedic does not exist on a fresh WinPE
        Recorded wmi = new Recorded();
        byte[] external = new byte[32];
        external[0] = 7;
        wmi.answers.put("GetExternalKeyFromFile", ok("ExternalKey", external.clone()));
        wmi.answers.put("UnlockWithExternalKey", new WmiResult(0, Map.of()));
        new WmiBitLockerControl(wmi, temp).unlockWithExternalKey(VOLUME, new byte[] {1, 2, 3});
        assertTrue(wmi.bekExistedDuringCall, "the .BEK was on disk while WMI read it");
        assertFalse(Files.exists(wmi.bekSeenAt), "and gone afterwards");
        assertEquals(List.of("GetExternalKeyFromFile", "UnlockWithExternalKey"), wmi.calls);
        assertArrayEquals(external, (byte[]) wmi.inputs.get("UnlockWithExternalKey").get("ExternalKey"), "the key WMI extracted is what unlocks");
    }

    @Test
    void aWrongBekIsAWrongKeySoTheChainMovesOn() {
        Recorded wmi = new Recorded();
        wmi.answers.put("GetExternalKeyFromFile", ok("ExternalKey", new byte[32]));
        wmi.answers.put("UnlockWithExternalKey", new WmiResult(0x80070056, Map.of()));
        BitLockerControlException e = assertThrows(BitLockerControlException.class,
                () -> new WmiBitLockerControl(wmi, tmp).unlockWithExternalKey(VOLUME, new byte[] {1}));
        assertTrue(e.wrongKey(), e.getMessage());
        assertTrue(e.getMessage().contains("0x80070056"), e.getMessage());
    }

    @Test
    void aWrongRecoveryPasswordNamesTheCodeButNeverThePassword() throws Exception {
        Recorded wmi = new Recorded();
        wmi.answers.put("UnlockWithNumericalPassword", new WmiResult(0x80310027, Map.of()));
        BitLockerControlException e = assertThrows(BitLockerControlException.class,
                () -> new WmiBitLockerControl(wmi, tmp).unlockWithRecoveryPassword(VOLUME, RecoveryPassword.parse(RP)));
        assertTrue(e.wrongKey());
        assertTrue(e.getMessage().contains("0x80310027"), e.getMessage());
        assertFalse(e.getMessage().contains("000011"), e.getMessage());
        assertEquals(RP, wmi.inputs.get("UnlockWithNumericalPassword").get("NumericalPassword"));
    }

    @Test
    void anOutParameterOfTheWrongTypeIsAClearErrorWithoutItsValue() {
        Recorded wmi = new Recorded();
        wmi.answers.put("GetLockStatus", ok("LockStatus", "1"));
        BitLockerControlException e = assertThrows(BitLockerControlException.class, () -> new WmiBitLockerControl(wmi, tmp).status(VOLUME));
        assertEquals("LockStatus came back as string where a number was expected", e.getMessage());
    }
}
