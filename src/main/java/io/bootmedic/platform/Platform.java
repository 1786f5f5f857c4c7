package io.bootmedic.platform;

import java.util.function.Consumer;

/** What bootmedic needs from the operating system it runs on. Built by {@link PlatformFactory}. */
public interface Platform {

    /** windows or linux. */
    String name();

    MachineIdentity machineIdentity();

    /** The --all target; throws UnsupportedOperationException where there is none (Linux: use --device). */
    WindowsAllTarget allTarget(KeyProvider keys, String mode, Consumer<String> progress);
}
