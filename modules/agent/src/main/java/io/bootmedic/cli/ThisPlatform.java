package io.bootmedic.cli;

import io.bootmedic.platform.Platform;
import io.bootmedic.platform.PlatformFactory;

import java.util.function.Supplier;

/** The platform the commands run on. A seam: tests stand in a Windows whose native code does not load, or whose disks hang. */
final class ThisPlatform {
    static volatile Supplier<Platform> source = PlatformFactory::current;

    private ThisPlatform() {
    }

    static Platform get() {
        return source.get();
    }
}
