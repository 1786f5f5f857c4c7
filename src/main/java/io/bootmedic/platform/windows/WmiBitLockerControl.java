package io.bootmedic.platform.windows;

import com.sun.jna.platform.win32.COM.Wbemcli;
import com.sun.jna.platform.win32.OaIdl;
import com.sun.jna.platform.win32.OaIdlUtil;
import com.sun.jna.platform.win32.OleAuto;
import com.sun.jna.platform.win32.Variant;
import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.platform.BitLockerCodes;
import io.bootmedic.platform.BitLockerControl;
import io.bootmedic.platform.BitLockerException;
import io.bootmedic.platform.BitLockerStatus;
import io.bootmedic.platform.EncryptionMethods;
import io.bootmedic.platform.VolumePaths;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** BitLocker through WMI {@code root\CIMV2\Security\MicrosoftVolumeEncryption} Win32_EncryptableVolume. */
public final class WmiBitLockerControl implements BitLockerControl, AutoCloseable {
    static final String NAMESPACE = "ROOT\\CIMV2\\Security\\MicrosoftVolumeEncryption";
    static final String CLASS = "Win32_EncryptableVolume";
    static final int NUMERICAL_PASSWORD = 3;
    private final WmiSession wmi;
    private final Path tempDir;

    private WmiBitLockerControl(WmiSession wmi, Path tempDir) {
        this.wmi = wmi;
        this.tempDir = tempDir;
    }

    /** Throws a BitLockerException naming the missing optional component when WMI or the provider is absent. */
    public static WmiBitLockerControl connect(Path tempDir) throws BitLockerException {
        return new WmiBitLockerControl(WmiSession.connect(NAMESPACE), tempDir);
    }

    /** WQL wants backslashes and quotes escaped inside the string literal. */
    static String wqlForDevice(String volume) {
        String id = VolumePaths.wmiDeviceId(volume).replace("\\", "\\\\").replace("'", "\\'");
        return "SELECT __PATH FROM " + CLASS + " WHERE DeviceID='" + id + "'";
    }

    /** The instance path, or null when BitLocker does not list the volume (EFI, recovery, RAW: not encrypted). */
    private String pathOrNull(String volume) throws BitLockerException {
        List<Wbemcli.IWbemClassObject> found = wmi.query(wqlForDevice(volume));
        if (found.isEmpty()) {
            return null;
        }
        try {
            return WmiSession.getString(found.get(0), "__PATH");
        } finally {
            found.forEach(Wbemcli.IWbemClassObject::Release);
        }
    }

    private String pathOf(String volume) throws BitLockerException {
        String path = pathOrNull(volume);
        if (path == null) {
            throw new BitLockerException("BitLocker does not know volume " + volume + ": it is not encrypted, so it needs no key", 0);
        }
        return path;
    }

    @Override
    public BitLockerStatus status(String volume) throws IOException {
        String path = pathOrNull(volume);
        if (path == null) {
            return BitLockerStatus.NOT_ENCRYPTED;
        }
        int lock = returnThen(wmi.call(path, "GetLockStatus"), "GetLockStatus", "LockStatus");
        int method = returnThen(wmi.call(path, "GetEncryptionMethod"), "GetEncryptionMethod", "EncryptionMethod");
        Wbemcli.IWbemClassObject out = wmi.call(CLASS, path, "GetKeyProtectors",
                in -> put(in, "KeyProtectorType", new Variant.VARIANT(NUMERICAL_PASSWORD)));
        List<String> ids = new ArrayList<>();
        try {
            BitLockerCodes.check(WmiSession.getInt(out, "ReturnValue"), "GetKeyProtectors");
            Variant.VARIANT.ByReference v = WmiSession.get(out, "VolumeKeyProtectorID");
            try {
                Object value = v.getValue();
                if (value instanceof OaIdl.SAFEARRAY) {
                    for (Object id : (Object[]) OaIdlUtil.toPrimitiveArray((OaIdl.SAFEARRAY) value, false)) {
                        ids.add(id.toString().toUpperCase(Locale.ROOT));
                    }
                }
            } finally {
                OleAuto.INSTANCE.VariantClear(v);
            }
        } finally {
            out.Release();
        }
        return new BitLockerStatus(EncryptionMethods.state(lock, method), EncryptionMethods.name(method), ids);
    }

    @Override
    public void unlockWithRecoveryPassword(String volume, RecoveryPassword password) throws IOException {
        String path = pathOf(volume);
        // the BSTR holding the password is freed (and so dropped from this process) right after the call
        Variant.VARIANT secret = new Variant.VARIANT(password.reveal());
        try {
            Wbemcli.IWbemClassObject out = wmi.call(CLASS, path, "UnlockWithNumericalPassword", in -> put(in, "NumericalPassword", secret));
            try {
                BitLockerCodes.check(WmiSession.getInt(out, "ReturnValue"), "unlock " + volume);
            } finally {
                out.Release();
            }
        } finally {
            OleAuto.INSTANCE.VariantClear(secret);
        }
    }

    @Override
    public void unlockWithExternalKey(String volume, byte[] bek) throws IOException {
        String path = pathOf(volume);
        // WMI wants the 32-byte key inside the .BEK; GetExternalKeyFromFile extracts it from a file
        Path file = Files.createTempFile(tempDir, "bootmedic-", ".bek");
        try {
            Files.write(file, bek);
            Wbemcli.IWbemClassObject key = wmi.call(CLASS, path, "GetExternalKeyFromFile",
                    in -> put(in, "PathWithFileName", new Variant.VARIANT(file.toString())));
            try {
                BitLockerCodes.check(WmiSession.getInt(key, "ReturnValue"), "read the .BEK key");
                Variant.VARIANT.ByReference externalKey = WmiSession.get(key, "ExternalKey");
                try {
                    Wbemcli.IWbemClassObject out = wmi.call(CLASS, path, "UnlockWithExternalKey", in -> put(in, "ExternalKey", externalKey));
                    try {
                        BitLockerCodes.check(WmiSession.getInt(out, "ReturnValue"), "unlock " + volume + " with the .BEK key");
                    } finally {
                        out.Release();
                    }
                } finally {
                    OleAuto.INSTANCE.VariantClear(externalKey);
                }
            } finally {
                key.Release();
            }
        } finally {
            Files.write(file, new byte[bek.length]);
            Files.deleteIfExists(file);
        }
    }

    private static void put(Wbemcli.IWbemClassObject in, String name, Variant.VARIANT value) throws BitLockerException {
        WmiSession.check(in.Put(name, 0, value, 0), "set " + name);
    }

    /** Checks ReturnValue, then reads one out-parameter. */
    private static int returnThen(Wbemcli.IWbemClassObject out, String method, String property) throws BitLockerException {
        try {
            BitLockerCodes.check(WmiSession.getInt(out, "ReturnValue"), method);
            return WmiSession.getInt(out, property);
        } finally {
            out.Release();
        }
    }

    @Override
    public void close() {
        wmi.close();
    }
}
