package io.bootmedic.osrepair;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The few registry calls the Windows route needs: load a hive file, read and write values of existing keys, flush,
 * unload. Key paths are relative to the hive's root, parts separated by backslashes. Implementations refuse every call
 * after {@link Loaded#close()}; the real one is {@code osrepair.win32.Advapi32Registry} (RegLoadKey, RegUnLoadKey).
 */
public interface RegistryApi {

    /**
     * Loads {@code hiveFile} (its {@code .LOG1}/{@code .LOG2} beside it: the OS replays them) under a private name.
     *
     * @throws RegistryApiException when Windows refuses (the message names the file and Windows' error)
     */
    Loaded load(Path hiveFile, String mountName) throws RegistryApiException;

    /**
     * The running Windows' own hive ({@code HKEY_LOCAL_MACHINE\SYSTEM} or {@code \SOFTWARE}: safe mode), which is
     * loaded and in use. {@link Loaded#close()} closes bootmedic's handles; the hive stays loaded.
     */
    Loaded openLive(String hive) throws RegistryApiException;

    /** One value as Windows returns it: its REG_* type and raw bytes. */
    record Value(int type, byte[] data) {
        public Value {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }
    }

    /** A loaded hive. {@link #close()} unloads it; nothing may be asked of it after that. */
    interface Loaded extends AutoCloseable {
        boolean keyExists(String key) throws RegistryApiException;

        /** The value, or empty when the key has no value of that name. The key must exist. */
        Optional<Value> value(String key, String name) throws RegistryApiException;

        /** Writes one value of an existing key. */
        void set(String key, String name, int type, byte[] data) throws RegistryApiException;

        /** RegFlushKey: every write so far is on disk (in the hive or its logs) when it returns. */
        void flush() throws RegistryApiException;

        /** Unloads the hive; the file is closed when it returns. */
        @Override
        void close() throws RegistryApiException;
    }

    /** What Windows said, in one line naming the hive file. */
    final class RegistryApiException extends IOException {
        private static final long serialVersionUID = 1L;

        public RegistryApiException(String message) {
            super(message);
        }
    }
}
