package io.bootmedic.volumes;

import io.bootmedic.bitlocker.BitLockerBlockDevice;
import io.bootmedic.bitlocker.BitLockerException;
import io.bootmedic.bitlocker.BitLockerMetadata;
import io.bootmedic.bitlocker.Protector;
import io.bootmedic.bitlocker.VolumeKeys;
import io.bootmedic.boot.EspBootStore;
import io.bootmedic.fs.FileTree;
import io.bootmedic.image.ImageOpener;
import io.bootmedic.image.WindowsCandidates;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.SliceBlockDevice;
import io.bootmedic.image.partition.Partition;
import io.bootmedic.neutralize.ClusterNeutralizer;
import io.bootmedic.ntfs.NtfsFileTree;
import io.bootmedic.ntfs.NtfsVolume;
import io.bootmedic.remediation.Neutralizer;
import io.bootmedic.remediation.OpenedVolume;
import io.bootmedic.remediation.SystemPartition;
import io.bootmedic.remediation.Target;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunMode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --image FILE} and {@code --device PATH}: a whole disk (or one partition's image) repaired
 * offline, through the Java block stack and libntfs-3g, without root, mounting or FUSE.
 */
public final class ImageTarget implements Target {
    private final Path path;
    private final boolean device;
    private final boolean writable;
    private BlockDevice disk;
    private final List<FileTree> opened = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<SystemPartition> systems = new ArrayList<>();
    /** The EFI system partition's GPT type. */
    static final String ESP_GPT = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";

    private final Path quarantineDir;

    public ImageTarget(Path path, boolean device, boolean writable) {
        this(path, device, writable, null);
    }

    private boolean resetJournal;
    private VolumeKeys keys = VolumeKeys.none();

    /** The keys to try on BitLocker volumes. */
    public ImageTarget keys(VolumeKeys volumeKeys) {
        this.keys = volumeKeys;
        return this;
    }

    private Path backingDir;

    /** A folder besides the image's own where a qcow2 backing file may be (null: the image's folder only). */
    public ImageTarget backingDir(Path dir) {
        this.backingDir = dir;
        return this;
    }

    /** Empty an unclean NTFS journal (as ntfsfix does) and quarantine by rename, instead of neutralizing in place. */
    public ImageTarget resetJournal(boolean reset) {
        this.resetJournal = reset;
        return this;
    }

    /** @param quarantineDir where neutralized files are kept on this host; null for the default beside the image */
    public ImageTarget(Path path, boolean device, boolean writable, Path quarantineDir) {
        this.path = path;
        this.device = device;
        this.writable = writable;
        this.quarantineDir = quarantineDir != null ? quarantineDir
                : device ? Path.of("bootmedic-quarantine").toAbsolutePath()
                : path.toAbsolutePath().resolveSibling(path.getFileName() + ".bootmedic-quarantine");
    }

    @Override
    public RunMode mode() {
        return device ? RunMode.DEVICE : RunMode.OFFLINE_IMAGE;
    }

    @Override
    public String describe() {
        return path.toString();
    }

    /** What the partition table reader had to say (e.g. a damaged primary GPT), and volumes passed over (FAT, To Go). */
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public List<String> notes() {
        return List.copyOf(warnings);
    }

    /** A volume ready to mount (its file system's device, BitLocker layer included), or a locked one to report as it is. */
    private record Prepared(BlockDevice ntfs, String volumeId, String label, Report.BitLocker bitlocker, OpenedVolume locked) {
    }

    @Override
    public List<OpenedVolume> open() throws IOException {
        NtfsVolume.preload(); // on the other core while the disk is read and BitLocker's key stretched
        disk = ImageOpener.open(path, writable, device ? "--device" : "--image", backingDir);
        warnings.addAll(disk.warnings());
        WindowsCandidates.Found found = WindowsCandidates.find(disk);
        warnings.addAll(found.table().warnings());
        // every volume is prepared first (BitLocker metadata and conversion map checked, keys tried) and only then is
        // any file system mounted: a read-write mount writes, and a volume refused here must not follow a write to another
        List<Prepared> prepared = new ArrayList<>();
        for (WindowsCandidates.Candidate c : found.candidates()) {
            String label = label(c.partition());
            BlockDevice ntfs = c.volume();
            Report.BitLocker bitlocker = Report.BitLocker.NONE;
            String volumeId;
            if (c.kind() == WindowsCandidates.Kind.FAT) {
                warnings.add(label + ": a FAT file system, not a Windows system volume; nothing to fix there");
                continue;
            }
            if (c.kind() == WindowsCandidates.Kind.BITLOCKER) {
                BitLockerMetadata md = BitLockerMetadata.read(c.volume());
                String rpId = md.protectors.stream().filter(p -> p.type() == Protector.RECOVERY_PASSWORD).map(Protector::id).findFirst().orElse(null);
                volumeId = "bitlocker:" + md.volumeGuid;
                if (md.decrypted()) {
                    // Windows finished turning BitLocker off: the data is plain, no key needed
                    ntfs = BitLockerBlockDevice.decrypted(c.volume(), md);
                } else {
                    VolumeKeys.Result unlocked;
                    try {
                        unlocked = keys.unlock(md);
                    } catch (BitLockerException e) {
                        prepared.add(new Prepared(null, volumeId, label, null, new OpenedVolume(null, volumeId, label, "BitLocker",
                                new Report.BitLocker("locked", md.methodName(), rpId, null, false), "n/a", e.getMessage())));
                        continue;
                    }
                    ntfs = new BitLockerBlockDevice(c.volume(), md, unlocked.unlocked().fvek());
                    bitlocker = new Report.BitLocker("unlocked", md.methodName(), rpId, unlocked.keySource(), unlocked.recoveryPasswordUsed());
                }
                if (WindowsCandidates.kind(ntfs) == WindowsCandidates.Kind.FAT) {
                    warnings.add(label + ": BitLocker " + (md.toGo ? "To Go " : "") + "volume " + md.volumeGuid
                            + (md.decrypted() ? " (decrypted)" : " unlocked") + "; its file system is FAT, not a Windows system volume (a To Go stick "
                            + "never holds Windows): nothing to fix. 'bootmedic bitlocker decrypt' copies it out.");
                    continue;
                }
            } else {
                volumeId = ntfsSerial(c.volume());
            }
            prepared.add(new Prepared(ntfs, volumeId, label, bitlocker, null));
        }
        findSystemPartitions(found);
        List<OpenedVolume> volumes = new ArrayList<>();
        for (Prepared p : prepared) {
            if (p.locked() != null) {
                volumes.add(p.locked());
                continue;
            }
            NtfsVolume volume = NtfsVolume.open(p.ntfs(), writable, resetJournal);
            NtfsFileTree tree = new NtfsFileTree(volume);
            opened.add(tree);
            // a volume whose journal forbids metadata changes can still have file data neutralized in place
            Neutralizer neutralizer = writable ? new ClusterNeutralizer(tree, quarantineDir, p.volumeId()) : null;
            volumes.add(new OpenedVolume(tree, p.volumeId(), p.label(), "NTFS", p.bitlocker(), volume.journalState().wire(), null, neutralizer));
        }
        return volumes;
    }

    /** EFI system partitions (GPT type or MBR 0xEF) holding a Windows BCD: boot rules act there, with no BitLocker key needed. */
    private void findSystemPartitions(WindowsCandidates.Found found) throws IOException {
        for (Partition p : found.table().partitions()) {
            if (!p.type().equalsIgnoreCase(ESP_GPT) && !p.type().equalsIgnoreCase("0xef")) {
                continue;
            }
            String label = label(p) + " (EFI system partition)";
            BlockDevice esp = new SliceBlockDevice(disk, p.start(), p.length(), disk.describe() + " partition " + p.index());
            try {
                EspBootStore.probe(esp, label, quarantineDir).ifPresent(systems::add);
            } catch (IOException e) {
                warnings.add(label + ": " + e.getMessage() + "; its boot configuration is left alone");
            }
        }
    }

    @Override
    public List<SystemPartition> systemPartitions() {
        return List.copyOf(systems);
    }

    private String label(Partition p) {
        return p == null ? path.getFileName().toString() : path.getFileName() + " partition " + p.index();
    }

    /** The NTFS volume serial number (boot sector offset 0x48), as Windows' "vol" shows it in full. */
    private static String ntfsSerial(BlockDevice volume) throws IOException {
        long serial = ByteBuffer.wrap(volume.read(0x48, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return String.format("ntfs:%016X", serial);
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (FileTree t : opened) {
            try {
                t.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        opened.clear();
        if (disk != null) {
            disk.close();
            disk = null;
        }
        if (first != null) {
            throw first;
        }
    }
}
