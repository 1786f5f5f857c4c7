package io.bootmedic.platform.windows;

import io.bootmedic.platform.DriveType;
import io.bootmedic.platform.MountPoints;
import io.bootmedic.platform.VolumeEnumerator;
import io.bootmedic.platform.VolumeInfo;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The installed Windows' boot configuration stores, seen from WinPE, where bcdedit without
 * /store reads the stick's BCD: {@code \EFI\Microsoft\Boot\BCD} (UEFI, on the EFI system
 * partition, which has no drive letter and is mounted here for the look) or {@code \Boot\BCD}
 * (BIOS, on the system-reserved partition). Only fixed volumes are looked at; WinPE's own drive
 * and any volume holding {@code sources\boot.wim} (WinPE boot media, a USB disk that reports
 * itself as fixed included) are skipped. Mount points stay until {@link #close()}.
 */
public final class MachineBcdStores implements Closeable {
    static final List<String> STORES = List.of("EFI/Microsoft/Boot/BCD", "Boot/BCD");
    private static final String WINPE_MEDIA = "sources/boot.wim";
    private final VolumeEnumerator volumes;
    private final MountPoints mounts;
    private final String ownDrive;
    private final Deque<MountPoints.TemporaryMount> held = new ArrayDeque<>();

    /** @param ownDrive WinPE's %SystemDrive% (X:), skipped; may be null */
    public MachineBcdStores(VolumeEnumerator volumes, MountPoints mounts, String ownDrive) {
        this.volumes = volumes;
        this.mounts = mounts;
        this.ownDrive = ownDrive == null || ownDrive.isBlank() ? null : ownDrive.substring(0, 1).toUpperCase(Locale.ROOT) + ":\\";
    }

    /** Every machine BCD file found; empty when there is none (the caller then says safe mode was not checked). */
    public List<Path> find(Consumer<String> progress) throws IOException {
        List<Path> found = new ArrayList<>();
        for (VolumeInfo v : volumes.volumes()) {
            if (v.driveType() != DriveType.FIXED || v.fileSystem() == null || isOwnDrive(v)) {
                continue; // a locked volume (no file system) holds no readable store
            }
            MountPoints.TemporaryMount mount = null;
            Path root;
            if (v.firstMountPoint() != null) {
                root = Path.of(v.firstMountPoint());
            } else {
                try {
                    mount = mounts.mount(v);
                } catch (IOException e) {
                    progress.accept(v.describe() + ": not mounted to look for a boot configuration (" + e.getMessage() + ").");
                    continue;
                }
                root = mount.path();
            }
            Path store = storeOn(root);
            if (store == null) {
                if (mount != null) {
                    mount.close();
                }
                continue;
            }
            if (mount != null) {
                held.push(mount);
            }
            found.add(store);
        }
        return found;
    }

    private static Path storeOn(Path root) {
        if (Files.exists(root.resolve(WINPE_MEDIA))) {
            return null; // boot media: its BCD starts WinPE, not the machine's Windows
        }
        for (String s : STORES) {
            Path p = root.resolve(s);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private boolean isOwnDrive(VolumeInfo v) {
        return ownDrive != null && v.mountPoints().stream().anyMatch(m -> m.equalsIgnoreCase(ownDrive));
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        while (!held.isEmpty()) {
            try {
                held.pop().close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
