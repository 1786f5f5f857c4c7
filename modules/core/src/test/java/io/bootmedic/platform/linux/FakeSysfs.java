package io.bootmedic.platform.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A sysfs tree as the kernel lays it out: /sys/block/X links into /sys/devices, drivers as links named after them. */
public final class FakeSysfs {
    public final Path root;

    public FakeSysfs(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root.resolve("block"));
        Files.createDirectories(root.resolve("devices"));
    }

    /** Binds {@code driver} to the device at {@code path} (below /sys/devices). */
    public FakeSysfs driver(String path, String driver) throws IOException {
        Path dev = Files.createDirectories(root.resolve("devices").resolve(path));
        Files.createSymbolicLink(dev.resolve("driver"), Path.of("/sys/bus/pci/drivers").resolve(driver));
        return this;
    }

    /**
     * A disk at {@code path} (below /sys/devices, ending in block/NAME or the disk's own folder), its
     * {@code device} link {@code up} levels up, vendor/model there, and size in 512-byte sectors.
     */
    public FakeSysfs disk(String name, String path, int up, String vendor, String model, long sectors) throws IOException {
        Path dir = Files.createDirectories(root.resolve("devices").resolve(path));
        write(dir.resolve("size"), Long.toString(sectors));
        write(dir.resolve("removable"), "0");
        if (up > 0) {
            Path parent = dir;
            for (int i = 0; i < up; i++) {
                parent = parent.getParent();
            }
            Files.createSymbolicLink(dir.resolve("device"), dir.relativize(parent));
            if (vendor != null) {
                write(parent.resolve("vendor"), vendor + "\n");
            }
            if (model != null) {
                write(parent.resolve("model"), model + "\n");
            }
        }
        Files.createSymbolicLink(root.resolve("block").resolve(name), root.resolve("block").relativize(dir));
        return this;
    }

    public FakeSysfs write(String pathBelowRoot, String text) throws IOException {
        write(root.resolve(pathBelowRoot), text);
        return this;
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
