package io.bootmedic.volumes;

import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.remediation.OpenedVolume;
import io.bootmedic.remediation.Repairs;
import io.bootmedic.remediation.Target;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code --root DIR}: a volume the operating system already mounted and unlocked. */
public final class RootTarget implements Target {
    private final Path root;
    private final RunMode mode;
    private Repairs repairs;

    public RootTarget(Path root, RunMode mode) {
        this.root = root.toAbsolutePath().normalize();
        this.mode = mode;
    }

    @Override
    public RunMode mode() {
        return mode;
    }

    /** Who applies repair rules here (on Windows: Windows' own tools, io.bootmedic.osrepair); the default when not set. */
    public RootTarget repairs(Repairs chosen) {
        this.repairs = chosen;
        return this;
    }

    @Override
    public Repairs repairs() {
        return repairs != null ? repairs : Target.super.repairs();
    }

    @Override
    public String describe() {
        return root.toString();
    }

    @Override
    public List<OpenedVolume> open() throws IOException {
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
        return List.of(new OpenedVolume(new LocalFileTree(root), root.toString(), name == null ? root.toString() : name.toString(),
                fileSystem, Report.BitLocker.NONE, "n/a", null));
    }
}
