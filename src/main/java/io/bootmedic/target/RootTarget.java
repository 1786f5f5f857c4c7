package io.bootmedic.target;

import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.report.Report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code --root DIR}: a volume the operating system already mounted and unlocked. */
public final class RootTarget implements Target {
    private final Path root;
    private final String mode;

    public RootTarget(Path root, String mode) {
        this.root = root.toAbsolutePath().normalize();
        this.mode = mode;
    }

    @Override
    public String mode() {
        return mode;
    }

    @Override
    public String describe() {
        return root.toString();
    }

    @Override
    public List<TargetVolume> open() throws IOException {
        if (!Files.exists(root)) {
            throw new TargetException(root + " does not exist. Give --root the folder where the Windows drive is mounted (e.g. /mnt/c or C:\\).");
        }
        if (!Files.isDirectory(root)) {
            throw new TargetException(root + " is not a folder. For a disk image use --image FILE; for a disk use --device PATH.");
        }
        String fileSystem;
        try {
            fileSystem = Files.getFileStore(root).type().toUpperCase(Locale.ROOT);
        } catch (IOException e) {
            fileSystem = null;
        }
        Path name = root.getFileName();
        return List.of(new TargetVolume(new LocalFileTree(root), root.toString(), name == null ? root.toString() : name.toString(),
                fileSystem, Report.BitLocker.NONE, "n/a", null));
    }
}
