package io.bootmedic.remediation;

import java.io.IOException;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Finds a boot configuration store on an opened volume: a BIOS machine keeps it in {@code Boot/BCD} on its system
 * partition (NTFS "System Reserved") or on the Windows volume itself. The boot layer provides it (META-INF/services),
 * so the engine does not depend on it; a build without it finds none.
 */
public interface BootStores {
    Optional<SystemPartition> onVolume(OpenedVolume volume, CrashPoint crash) throws IOException;

    static BootStores load() {
        return ServiceLoader.load(BootStores.class, BootStores.class.getClassLoader()).findFirst().orElse((volume, crash) -> Optional.empty());
    }
}
