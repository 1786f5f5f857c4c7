package io.bootmedic.osrepair;

import io.bootmedic.registry.Hive;
import io.bootmedic.registry.HiveKey;
import io.bootmedic.registry.HiveValue;
import io.bootmedic.registry.edit.LogReplay;
import io.bootmedic.util.ByteArrayChannel;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A hive read by bootmedic's own reader (its logs replayed in memory) behind the registry API's face: what a dry run
 * plans with, so that a scan writes nothing, not even a copy for Windows to load. Writing is refused.
 */
final class ReadOnlyHive implements RegistryApi.Loaded {
    private final Hive hive;
    private final String name;

    private ReadOnlyHive(Hive hive, String name) {
        this.hive = hive;
        this.name = name;
    }

    static ReadOnlyHive read(String name, byte[] primary, List<LogReplay.LogFile> logs) throws RegistryApi.RegistryApiException {
        try {
            return new ReadOnlyHive(Hive.open(new ByteArrayChannel(LogReplay.replay(name, primary, logs, false).bytes())), name);
        } catch (IOException e) {
            throw new RegistryApi.RegistryApiException(e.getMessage());
        }
    }

    private Optional<HiveKey> key(String key) throws RegistryApi.RegistryApiException {
        try {
            return hive.key(key);
        } catch (IOException e) {
            throw new RegistryApi.RegistryApiException(name + ": " + e.getMessage());
        }
    }

    @Override
    public boolean keyExists(String key) throws RegistryApi.RegistryApiException {
        return key(key).isPresent();
    }

    @Override
    public Optional<RegistryApi.Value> value(String key, String valueName) throws RegistryApi.RegistryApiException {
        HiveKey k = key(key).orElseThrow(() -> new RegistryApi.RegistryApiException(key + " is not in " + name));
        try {
            Optional<HiveValue> v = k.value(valueName);
            return v.isEmpty() ? Optional.empty() : Optional.of(new RegistryApi.Value(v.get().type(), v.get().data()));
        } catch (IOException e) {
            throw new RegistryApi.RegistryApiException(name + ": " + e.getMessage());
        }
    }

    @Override
    public void set(String key, String valueName, int type, byte[] data) {
        throw new UnsupportedOperationException("a dry run writes nothing");
    }

    @Override
    public void flush() {
        throw new UnsupportedOperationException("a dry run writes nothing");
    }

    @Override
    public void close() {
    }
}
