package io.bootmedic.platform.windows;

import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.platform.BitLockerCodes;
import io.bootmedic.platform.BitLockerControl;
import io.bootmedic.platform.BitLockerControlException;
import io.bootmedic.platform.BitLockerStatus;
import io.bootmedic.platform.LockState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BitLocker through WMI {@code root\CIMV2\Security\MicrosoftVolumeEncryption} Win32_EncryptableVolume.
 * Only the orchestration is here; the COM calls sit behind {@link WmiMethods}, so this class is
 * tested on Linux with the answers the methods document (learn.microsoft.com, Win32_EncryptableVolume).
 */
public final class WmiBitLockerControl implements BitLockerControl, AutoCloseable {
    static final String NAMESPACE = "ROOT\\CIMV2\\Security\\MicrosoftVolumeEncryption";
    static final String CLASS = "Win32_EncryptableVolume";
    static final int NUMERICAL_PASSWORD = 3;
    private final WmiMethods wmi;
    private final Path tempDir;

    WmiBitLockerControl(WmiMethods wmi, Path tempDir) {
        this.wmi = wmi;
        this.tempDir = tempDir;
    }

    /** Throws a BitLockerControlException naming the missing optional component when WMI or the provider is absent. */
    public static WmiBitLockerControl connect(Path tempDir) throws BitLockerControlException {
        return new WmiBitLockerControl(new ComWmiMethods(WmiSession.connect(NAMESPACE), CLASS), tempDir);
    }

    static String wqlForDevice(String volume) {
        return ComWmiMethods.wqlForDevice(CLASS, VolumePaths.wmiDeviceId(volume));
    }

    private String pathOf(String volume) throws BitLockerControlException {
        String path = wmi.instancePath(VolumePaths.wmiDeviceId(volume));
        if (path == null) {
            throw new BitLockerControlException("BitLocker does not know volume " + volume + ": it is not encrypted, so it needs no key", 0);
        }
        return path;
    }

    @Override
    public BitLockerStatus status(String volume) throws IOException {
        String path = wmi.instancePath(VolumePaths.wmiDeviceId(volume));
        if (path == null) {
            return BitLockerStatus.NOT_ENCRYPTED; // EFI, recovery, RAW: BitLocker does not list them
        }
        int lock = checked(wmi.call(path, "GetLockStatus", Map.of(), List.of("LockStatus")), "GetLockStatus").integer("LockStatus");
        int method = checked(wmi.call(path, "GetEncryptionMethod", Map.of(), List.of("EncryptionMethod")), "GetEncryptionMethod")
                .integer("EncryptionMethod");
        WmiResult protectors = wmi.call(path, "GetKeyProtectors", Map.of("KeyProtectorType", NUMERICAL_PASSWORD), List.of("VolumeKeyProtectorID"));
        if (protectors.returnValue() == BitLockerCodes.FVE_E_NOT_ACTIVATED) {
            // a volume BitLocker lists but never turned on: plain, whatever GetLockStatus said
            return new BitLockerStatus(LockState.NOT_ENCRYPTED, null, List.of());
        }
        List<String> ids = checked(protectors, "GetKeyProtectors").strings("VolumeKeyProtectorID").stream()
                .map(id -> id.toUpperCase(Locale.ROOT)).toList();
        return new BitLockerStatus(EncryptionMethods.state(lock, method), EncryptionMethods.name(method), ids);
    }

    @Override
    public void unlockWithRecoveryPassword(String volume, RecoveryPassword password) throws IOException {
        String path = pathOf(volume);
        checked(wmi.call(path, "UnlockWithNumericalPassword", Map.of("NumericalPassword", password.reveal()), List.of()), "unlock " + volume);
    }

    @Override
    public void unlockWithExternalKey(String volume, byte[] bek) throws IOException {
        String path = pathOf(volume);
        // WMI wants the 32-byte key inside the .BEK; GetExternalKeyFromFile extracts it from a file.
        // The folder (%TEMP%\bootmedic on the RAM disk) does not exist on a fresh WinPE boot.
        Files.createDirectories(tempDir);
        Path file = Files.createTempFile(tempDir, "bootmedic-", ".bek");
        byte[] key = null;
        try {
            Files.write(file, bek);
            key = checked(wmi.call(path, "GetExternalKeyFromFile", Map.of("PathWithFileName", file.toString()), List.of("ExternalKey")),
                    "read the .BEK key").bytes("ExternalKey");
            checked(wmi.call(path, "UnlockWithExternalKey", Map.of("ExternalKey", key), List.of()), "unlock " + volume + " with the .BEK key");
        } finally {
            if (key != null) {
                java.util.Arrays.fill(key, (byte) 0);
            }
            Files.write(file, new byte[bek.length]);
            Files.deleteIfExists(file);
        }
    }

    private static WmiResult checked(WmiResult result, String what) throws BitLockerControlException {
        BitLockerCodes.check(result.returnValue(), what);
        return result;
    }

    @Override
    public void close() {
        wmi.close();
    }
}
