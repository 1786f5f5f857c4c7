package io.bootmedic.platform;

import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.platform.linux.LinuxPlatform;
import io.bootmedic.platform.windows.EncryptionMethods;
import io.bootmedic.platform.windows.FallbackBitLockerControl;
import io.bootmedic.report.RunMode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlatformPureLogicTest {
    @Test
    void encryptionMethodsAndStates() {
        assertNull(EncryptionMethods.name(0));
        assertEquals("XTS-AES-128", EncryptionMethods.name(6));
        assertEquals("XTS-AES-256", EncryptionMethods.name(7));
        assertEquals("AES-128-DIFFUSER", EncryptionMethods.name(1));
        assertEquals("unknown (0x00000009)", EncryptionMethods.name(9));
        assertEquals("unknown (0xFFFFFFFF)", EncryptionMethods.name(-1), "GetEncryptionMethod's uint32 4294967295");
        assertEquals(LockState.LOCKED, EncryptionMethods.state(1, 6));
        assertEquals(LockState.UNLOCKED, EncryptionMethods.state(0, 6));
        assertEquals(LockState.NOT_ENCRYPTED, EncryptionMethods.state(0, 0));
    }

    @Test
    void driveTypes() {
        assertEquals(DriveType.FIXED, DriveType.fromWin32(3));
        assertEquals(DriveType.RAMDISK, DriveType.fromWin32(6));
        assertEquals(DriveType.UNKNOWN, DriveType.fromWin32(42));
    }

    @Test
    void linuxIsPickedOnLinuxAndRefusesAll() {
        Platform p = PlatformFactory.forOs("Linux");
        assertInstanceOf(LinuxPlatform.class, p);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> p.localVolumes(s -> { }));
        assertTrue(e.getMessage().contains("--device"));
    }

    @Test
    void windowsPlatformLoadsByNameWithoutTouchingNativeCode() {
        assertEquals("windows", PlatformFactory.forOs("Windows 11").name());
    }

    @Test
    void keysNeverShowInToString() throws Exception {
        RecoveryPasswordOrBek k = RecoveryPasswordOrBek.password(RecoveryPassword.parse("000011-000022-000033-000044-000055-000066-000077-000088"), "prompt");
        assertFalse(k.toString().contains("000011"));
        RecoveryPasswordOrBek b = RecoveryPasswordOrBek.bek(new byte[] {9, 9}, "key-file");
        assertEquals("BEK[hidden, from key-file]", b.toString());
        byte[] copy = b.bekBytes();
        copy[0] = 0;
        assertEquals(9, b.bekBytes()[0], "callers get a copy");
        b.wipe();
        assertEquals(0, b.bekBytes()[0]);
    }

    /** A control that fails the way a WinPE without WinPE-SecureStartup does, or rejects the key. */
    static BitLockerControl failing(int code, List<String> calls, String name) {
        return new BitLockerControl() {
            @Override
            public BitLockerStatus status(String volume) throws IOException {
                calls.add(name + ":status");
                if (code != 0) {
                    throw new BitLockerControlException("x", code);
                }
                return BitLockerStatus.NOT_ENCRYPTED;
            }

            @Override
            public void unlockWithRecoveryPassword(String volume, RecoveryPassword password) throws IOException {
                calls.add(name + ":unlock");
                if (code != 0) {
                    throw new BitLockerControlException("x", code);
                }
            }

            @Override
            public void unlockWithExternalKey(String volume, byte[] bek) {
                calls.add(name + ":bek");
            }
        };
    }

    @Test
    void fallbackTakesOverWhenWmiIsMissingAndStaysThere() throws Exception {
        List<String> calls = new ArrayList<>();
        List<String> log = new ArrayList<>();
        FallbackBitLockerControl c = new FallbackBitLockerControl(failing(BitLockerCodes.WBEM_E_INVALID_NAMESPACE, calls, "wmi"),
                failing(0, calls, "bde"), log::add);
        c.status("C:");
        c.status("D:");
        assertEquals(List.of("wmi:status", "bde:status", "bde:status"), calls);
        assertEquals(1, log.size());
    }

    @Test
    void wrongKeyIsNotRetriedWithTheFallback() throws Exception {
        List<String> calls = new ArrayList<>();
        FallbackBitLockerControl c = new FallbackBitLockerControl(failing(BitLockerCodes.FVE_E_FAILED_AUTHENTICATION, calls, "wmi"),
                failing(0, calls, "bde"), s -> { });
        RecoveryPassword p = RecoveryPassword.parse("000011-000022-000033-000044-000055-000066-000077-000088");
        BitLockerControlException e = assertThrows(BitLockerControlException.class, () -> c.unlockWithRecoveryPassword("C:", p));
        assertTrue(e.wrongKey());
        assertEquals(List.of("wmi:unlock"), calls);
    }

    @Test
    void bitLockerAnswersAreNotRetriedEither() {
        List<String> calls = new ArrayList<>();
        FallbackBitLockerControl c = new FallbackBitLockerControl(failing(BitLockerCodes.FVE_E_NOT_ALLOWED_IN_SAFE_MODE, calls, "wmi"),
                failing(0, calls, "bde"), s -> { });
        assertThrows(BitLockerControlException.class, () -> c.status("C:"));
        assertEquals(List.of("wmi:status"), calls);
        assertTrue(BitLockerCodes.isInfrastructure(0x80041010));
        assertTrue(BitLockerCodes.isInfrastructure(0x800106BA));
        assertFalse(BitLockerCodes.isInfrastructure(0x80310027));
    }

    @Test
    void noPrimaryMeansFallbackOnly() throws Exception {
        List<String> calls = new ArrayList<>();
        new FallbackBitLockerControl(null, failing(0, calls, "bde"), s -> { }).status("C:");
        assertEquals(List.of("bde:status"), calls);
    }

    @Test
    void runModeFromEnvironment() {
        assertEquals(RunMode.WINPE, WindowsRunMode.detect(java.util.Map.of("SystemDrive", "X:", "USERPROFILE", "X:\\windows\\system32\\config\\systemprofile")));
        assertEquals(RunMode.SAFE_MODE, WindowsRunMode.detect(java.util.Map.of("SystemDrive", "C:", "SAFEBOOT_OPTION", "MINIMAL")));
        assertEquals(RunMode.SAFE_MODE, WindowsRunMode.detect(java.util.Map.of("SYSTEMDRIVE", "C:", "safeboot_option", "NETWORK")));
        assertEquals(RunMode.WINDOWS, WindowsRunMode.detect(java.util.Map.of("SystemDrive", "C:")));
        assertEquals(RunMode.WINDOWS, WindowsRunMode.detect(java.util.Map.of()));
    }
}
