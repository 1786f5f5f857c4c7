package io.bootmedic.osrepair.win32;

import com.sun.jna.platform.win32.Advapi32;
import com.sun.jna.platform.win32.Advapi32Util;
import com.sun.jna.platform.win32.Kernel32Util;
import com.sun.jna.platform.win32.W32Errors;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.platform.win32.WinReg;
import com.sun.jna.ptr.IntByReference;
import io.bootmedic.osrepair.RegistryApi;

import java.nio.file.Path;
import java.util.Optional;

/**
 * {@link RegistryApi} through advapi32. A SYSTEM or SOFTWARE hive cannot be an application hive (RegLoadAppKey wants
 * every key of the hive to carry one security descriptor, which Windows' own hives do not), so the hive is loaded with
 * RegLoadKey under {@code HKEY_LOCAL_MACHINE\<mountName>}, for which Windows wants SeBackupPrivilege and
 * SeRestorePrivilege enabled (an administrator, or SYSTEM in WinPE, holds both). Every key handle is closed before
 * RegUnLoadKey, which refuses while one is open.
 */
public final class Advapi32Registry implements RegistryApi {
    /** Values larger than this are not what a repair rule reads. */
    static final int MAX_VALUE = 1 << 20;

    @Override
    public Loaded load(Path hiveFile, String mountName) throws RegistryApiException {
        Advapi32Util.Privilege privileges;
        try {
            privileges = new Advapi32Util.Privilege(WinNT.SE_BACKUP_NAME, WinNT.SE_RESTORE_NAME).enable();
        } catch (RuntimeException e) {
            throw new RegistryApiException("could not enable the backup and restore privileges to load " + hiveFile + " (" + e.getMessage()
                    + "); run bootmedic as Administrator");
        }
        int rc = RegistryExtra.load().RegLoadKey(WinReg.HKEY_LOCAL_MACHINE, mountName, hiveFile.toString());
        if (rc != W32Errors.ERROR_SUCCESS) {
            privileges.close();
            throw new RegistryApiException("Windows could not load the hive " + hiveFile + ": " + words(rc));
        }
        return new LoadedHive(hiveFile, mountName, privileges);
    }

    @Override
    public Loaded openLive(String hive) throws RegistryApiException {
        if (!hive.equals("SYSTEM") && !hive.equals("SOFTWARE")) {
            throw new RegistryApiException("not a hive bootmedic writes: " + hive);
        }
        return new LoadedHive(Path.of("HKLM", hive), hive, null);
    }

    static String words(int rc) {
        try {
            return Kernel32Util.formatMessageFromLastErrorCode(rc).strip() + " (error " + rc + ")";
        } catch (RuntimeException e) {
            return "error " + rc;
        }
    }

    private static final class LoadedHive implements Loaded {
        private final Path file;
        private final String mount;
        private final Advapi32Util.Privilege privileges;
        private boolean unloaded;

        LoadedHive(Path file, String mount, Advapi32Util.Privilege privileges) {
            this.file = file;
            this.mount = mount;
            this.privileges = privileges;
        }

        /** Opens {@code key} below the loaded hive, or null when it does not exist. */
        private WinReg.HKEY open(String key, int access) throws RegistryApiException {
            if (unloaded) {
                throw new IllegalStateException(file + " is unloaded");
            }
            WinReg.HKEYByReference out = new WinReg.HKEYByReference();
            String path = key.isEmpty() ? mount : mount + "\\" + key;
            int rc = Advapi32.INSTANCE.RegOpenKeyEx(WinReg.HKEY_LOCAL_MACHINE, path, 0, access, out);
            if (rc == W32Errors.ERROR_FILE_NOT_FOUND) {
                return null;
            }
            if (rc != W32Errors.ERROR_SUCCESS) {
                throw new RegistryApiException("Windows could not open " + key + " in " + file + ": " + words(rc));
            }
            return out.getValue();
        }

        @Override
        public boolean keyExists(String key) throws RegistryApiException {
            WinReg.HKEY k = open(key, WinNT.KEY_READ);
            if (k != null) {
                Advapi32.INSTANCE.RegCloseKey(k);
            }
            return k != null;
        }

        @Override
        public Optional<Value> value(String key, String name) throws RegistryApiException {
            WinReg.HKEY k = open(key, WinNT.KEY_READ);
            if (k == null) {
                throw new RegistryApiException(key + " is not in " + file);
            }
            try {
                IntByReference type = new IntByReference();
                IntByReference size = new IntByReference(0);
                int rc = Advapi32.INSTANCE.RegQueryValueEx(k, name, 0, type, (byte[]) null, size);
                if (rc == W32Errors.ERROR_FILE_NOT_FOUND) {
                    return Optional.empty();
                }
                if (rc != W32Errors.ERROR_SUCCESS && rc != W32Errors.ERROR_MORE_DATA) {
                    throw new RegistryApiException("Windows could not read " + key + "\\" + name + " in " + file + ": " + words(rc));
                }
                if (size.getValue() < 0 || size.getValue() > MAX_VALUE) {
                    throw new RegistryApiException(key + "\\" + name + " in " + file + " is " + size.getValue() + " bytes, more than a rule reads");
                }
                byte[] data = new byte[size.getValue()];
                rc = Advapi32.INSTANCE.RegQueryValueEx(k, name, 0, type, data, size);
                if (rc != W32Errors.ERROR_SUCCESS) {
                    throw new RegistryApiException("Windows could not read " + key + "\\" + name + " in " + file + ": " + words(rc));
                }
                return Optional.of(new Value(type.getValue(), java.util.Arrays.copyOf(data, Math.min(size.getValue(), data.length))));
            } finally {
                Advapi32.INSTANCE.RegCloseKey(k);
            }
        }

        @Override
        public void set(String key, String name, int type, byte[] data) throws RegistryApiException {
            WinReg.HKEY k = open(key, WinNT.KEY_SET_VALUE);
            if (k == null) {
                throw new RegistryApiException(key + " is not in " + file);
            }
            try {
                int rc = Advapi32.INSTANCE.RegSetValueEx(k, name, 0, type, data, data.length);
                if (rc != W32Errors.ERROR_SUCCESS) {
                    throw new RegistryApiException("Windows could not write " + key + "\\" + name + " in " + file + ": " + words(rc));
                }
            } finally {
                Advapi32.INSTANCE.RegCloseKey(k);
            }
        }

        @Override
        public void flush() throws RegistryApiException {
            WinReg.HKEY k = open("", WinNT.KEY_READ);
            if (k == null) {
                throw new RegistryApiException(file + " is no longer loaded");
            }
            try {
                int rc = RegistryExtra.load().RegFlushKey(k);
                if (rc != W32Errors.ERROR_SUCCESS) {
                    throw new RegistryApiException("Windows could not flush " + file + ": " + words(rc));
                }
            } finally {
                Advapi32.INSTANCE.RegCloseKey(k);
            }
        }

        @Override
        public void close() throws RegistryApiException {
            if (unloaded) {
                return;
            }
            unloaded = true;
            if (privileges == null) {
                return; // the running Windows' own hive: nothing was loaded, nothing to unload
            }
            try {
                int rc = RegistryExtra.load().RegUnLoadKey(WinReg.HKEY_LOCAL_MACHINE, mount);
                if (rc != W32Errors.ERROR_SUCCESS) {
                    throw new RegistryApiException("Windows could not unload " + file + " (HKLM\\" + mount + "): " + words(rc)
                            + ". Nothing was replaced; restart WinPE before running bootmedic again");
                }
            } finally {
                privileges.close();
            }
        }
    }
}
