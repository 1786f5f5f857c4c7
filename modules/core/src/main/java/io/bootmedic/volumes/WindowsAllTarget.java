package io.bootmedic.volumes;

import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.platform.BitLockerControl;
import io.bootmedic.platform.BitLockerControlException;
import io.bootmedic.platform.BitLockerKeyIds;
import io.bootmedic.platform.BitLockerStatus;
import io.bootmedic.platform.DriveType;
import io.bootmedic.platform.KeyProvider;
import io.bootmedic.platform.LocalVolumePorts;
import io.bootmedic.platform.LockState;
import io.bootmedic.platform.MountPoints;
import io.bootmedic.platform.RawVolumeReader;
import io.bootmedic.platform.RecoveryPasswordOrBek;
import io.bootmedic.platform.RecoveryTarget;
import io.bootmedic.platform.VolumeEnumerator;
import io.bootmedic.platform.VolumeInfo;
import io.bootmedic.remediation.OpenedVolume;
import io.bootmedic.remediation.Repairs;
import io.bootmedic.remediation.Target;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code --all}: every volume on every local disk that holds {@code Windows\System32\config\SYSTEM},
 * unlocked when a key is found, given a temporary mount point when it has no drive letter.
 * Locked volumes are yielded with a message naming their recovery key ID so the report and the
 * console can say which key to fetch. Mount points it created are removed on {@link #close()}.
 */
public final class WindowsAllTarget implements Target {
    static final String SYSTEM_HIVE = "Windows/System32/config/SYSTEM";
    private final VolumeEnumerator enumerator;
    private final MountPoints mountPoints;
    private final BitLockerControl bitLocker;
    private final KeyProvider keys;
    private final RunMode mode;
    private final Consumer<String> progress;
    private final RawVolumeReader rawReader;
    private final Deque<MountPoints.TemporaryMount> mounts = new ArrayDeque<>();
    private String ownDrive;
    private RecoveryTarget recovery;
    private final List<String> reportNotes = new ArrayList<>();
    private Repairs repairs;

    /**
     * @param mode     winpe or safe-mode (the report's mode)
     * @param progress receives one line per step for the console ("Unlocking D: ..."); never a key
     */
    public WindowsAllTarget(LocalVolumePorts ports, KeyProvider keys, RunMode mode, Consumer<String> progress) {
        this(ports.volumes(), ports.mounts(), ports.bitLocker(), keys, mode, progress, ports.raw());
    }

    public WindowsAllTarget(VolumeEnumerator enumerator, MountPoints mountPoints, BitLockerControl bitLocker, KeyProvider keys,
                            RunMode mode, Consumer<String> progress) {
        this(enumerator, mountPoints, bitLocker, keys, mode, progress, null);
    }

    /**
     * @param rawReader reads a locked volume's FVE metadata when BitLocker's own tools give no key
     *                  ID (manage-bde missing, WMI broken); null to rely on them alone
     */
    public WindowsAllTarget(VolumeEnumerator enumerator, MountPoints mountPoints, BitLockerControl bitLocker, KeyProvider keys,
                            RunMode mode, Consumer<String> progress, RawVolumeReader rawReader) {
        this.rawReader = rawReader;
        this.enumerator = enumerator;
        this.mountPoints = mountPoints;
        this.bitLocker = bitLocker;
        this.keys = keys;
        this.mode = mode;
        this.progress = progress;
    }

    /**
     * Skips the volume mounted at {@code drive} (WinPE's own X:, "X:" or "X:\\"): it carries a
     * Windows\System32\config\SYSTEM of its own, and when WinPE boots from a fixed disk it is not a
     * RAM disk either, so only its letter tells it apart.
     */
    public WindowsAllTarget skipOwnDrive(String drive) {
        this.ownDrive = drive == null || drive.isBlank() ? null : drive.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + ":\\";
        return this;
    }

    /**
     * WinRE: only the volume its boot configuration names as the Windows it recovers, and never a
     * removable one. WinRE may hold the OS volume unlocked, so a stick with a crafted hive or a
     * planted "faulty" file must not be parsed or acted on there.
     */
    public WindowsAllTarget onlyRecoveryTarget(RecoveryTarget recovery) {
        this.recovery = recovery;
        return this;
    }

    @Override
    public List<String> reportNotes() {
        return List.copyOf(reportNotes);
    }

    private List<VolumeInfo> recoveryTargetOnly(List<VolumeInfo> candidates) {
        List<VolumeInfo> fixed = new ArrayList<>();
        for (VolumeInfo v : candidates) {
            if (v.driveType() == DriveType.REMOVABLE) {
                progress.accept(v.describe() + ": removable, not looked at in WinRE.");
            } else {
                fixed.add(v);
            }
        }
        String device;
        try {
            device = recovery.osDevice();
        } catch (IOException | RuntimeException e) {
            return note(fixed, "WinRE's boot configuration did not say which volume holds this machine's Windows (" + e.getMessage()
                    + "): every fixed volume was looked at, removable ones were not.");
        }
        List<VolumeInfo> named = fixed.stream().filter(v -> v.isNamedBy(device)).toList();
        if (named.size() != 1) {
            return note(fixed, "WinRE's boot configuration names " + device + " as this machine's Windows, which is no single fixed volume here: "
                    + "every fixed volume was looked at, removable ones were not.");
        }
        return note(named, "In WinRE only the volume its boot configuration names as this machine's Windows (" + device + ") was looked at; "
                + "removable volumes were not.");
    }

    private List<VolumeInfo> note(List<VolumeInfo> chosen, String note) {
        progress.accept(note);
        reportNotes.add(note);
        return chosen;
    }

    private boolean isOwnDrive(VolumeInfo v) {
        return ownDrive != null && v.mountPoints().stream().anyMatch(m -> m.equalsIgnoreCase(ownDrive));
    }

    @Override
    public RunMode mode() {
        return mode;
    }

    /** Who applies repair rules here (on Windows: Windows' own tools, io.bootmedic.osrepair); the default when not set. */
    public WindowsAllTarget repairs(Repairs chosen) {
        this.repairs = chosen;
        return this;
    }

    @Override
    public Repairs repairs() {
        return repairs != null ? repairs : Target.super.repairs();
    }

    @Override
    public String describe() {
        return "every local disk";
    }

    @Override
    public List<OpenedVolume> open() throws IOException {
        List<VolumeInfo> all;
        try {
            all = enumerator.volumes();
        } catch (IOException e) {
            throw new TargetException("could not list the volumes of this machine: " + e.getMessage()
                    + ". Check that the disk controller driver is in the boot image (winpe\\build.ps1 -Drivers)", e);
        }
        List<VolumeInfo> candidates = all.stream()
                .filter(v -> v.driveType() == DriveType.FIXED || v.driveType() == DriveType.REMOVABLE)
                .filter(v -> {
                    if (isOwnDrive(v)) {
                        progress.accept(v.describe() + ": the running WinPE's own drive, skipped.");
                        return false;
                    }
                    return true;
                })
                .toList();
        if (recovery != null) {
            candidates = recoveryTargetOnly(candidates);
        }
        progress.accept("Found " + all.size() + " volume(s), " + candidates.size() + " to look at.");
        List<OpenedVolume> result = new ArrayList<>();
        for (VolumeInfo volume : candidates) {
            OpenedVolume opened = openOne(volume);
            if (opened != null) {
                result.add(opened);
            }
        }
        return result;
    }

    /** The volume as a target, or null when it is not a Windows volume. */
    private OpenedVolume openOne(VolumeInfo volume) throws IOException {
        String name = volume.describe();
        BitLockerStatus status;
        try {
            status = bitLocker.status(volume.guidPath());
        } catch (IOException e) {
            if (volume.fileSystem() != null) {
                // unreadable BitLocker state on a readable volume: treat as unencrypted but keep going
                progress.accept(name + ": BitLocker state unknown (" + e.getMessage() + "); reading it as is.");
                status = BitLockerStatus.NOT_ENCRYPTED;
            } else {
                progress.accept(name + ": skipped, neither readable nor a known BitLocker volume (" + e.getMessage() + ").");
                return null;
            }
        }
        String keyId = status.numericalPasswordIds().isEmpty() ? null : status.numericalPasswordIds().get(0);
        if (keyId == null && status.lockState() == LockState.LOCKED && rawReader != null) {
            keyId = keyIdFromMetadata(volume);
        }
        String keySource = null;
        boolean passwordUsed = false;
        if (status.lockState() == LockState.LOCKED) {
            progress.accept(name + ": locked by BitLocker, recovery key ID " + (keyId == null ? "unknown" : keyId) + ".");
            Unlocked unlocked = unlock(volume, keyId);
            if (unlocked.failure() != null) {
                return locked(volume, status, keyId, unlocked.source(), unlocked.failure());
            }
            keySource = unlocked.source();
            passwordUsed = unlocked.passwordUsed();
            progress.accept(name + ": unlocked with the key from " + keySource + ".");
        }
        Path root = rootOf(volume);
        if (root == null) {
            return null;
        }
        if (!Files.isRegularFile(root.resolve(SYSTEM_HIVE))) {
            progress.accept(name + ": no Windows on it, skipped.");
            releaseLastMountIf(root);
            return null;
        }
        progress.accept(name + ": Windows found at " + root + ".");
        String state = status.lockState() == LockState.NOT_ENCRYPTED ? "none" : "unlocked";
        Report.BitLocker bl = new Report.BitLocker(state, status.method(), keyId, keySource, passwordUsed);
        return new OpenedVolume(new LocalFileTree(root), volume.guidPath(), volume.label(), fileSystemOf(volume, root), bl, "n/a", null);
    }

    /** How an unlock attempt ended: the source that worked, or why the volume stays locked. */
    private record Unlocked(String source, boolean passwordUsed, String failure) {
    }

    /**
     * Tries each candidate key in turn. A key BitLocker calls wrong moves on to the next source
     * (the collector after a stale key file, say); any other failure, an I/O error included,
     * leaves only this volume locked with the reason, and the run goes on with the others.
     */
    private Unlocked unlock(VolumeInfo volume, String keyId) {
        String name = volume.describe();
        KeyProvider.Candidates candidates = keys.candidates(keyId, name);
        List<String> refused = new ArrayList<>();
        String lastSource = null;
        String lastReason = null;
        while (true) {
            Optional<RecoveryPasswordOrBek> next;
            try {
                next = candidates.next();
            } catch (IOException | RuntimeException e) {
                return new Unlocked(lastSource, false, "no key for " + name + " could be fetched (" + e.getMessage() + "). " + keyAdvice(keyId));
            }
            if (next.isEmpty()) {
                String why = refused.isEmpty() ? "BitLocker keeps " + name + " locked and no key for it was found. "
                        : "no key unlocked " + name + " (tried the key from " + String.join(", then ", refused) + "; last answer: " + lastReason + "). ";
                return new Unlocked(lastSource, false, why + keyAdvice(keyId));
            }
            RecoveryPasswordOrBek k = next.get();
            lastSource = k.source();
            try {
                if (k.isPassword()) {
                    bitLocker.unlockWithRecoveryPassword(volume.guidPath(), k.password());
                } else {
                    bitLocker.unlockWithExternalKey(volume.guidPath(), k.bekBytes());
                }
                return new Unlocked(k.source(), k.isPassword(), null);
            } catch (BitLockerControlException e) {
                if (!e.wrongKey()) {
                    return new Unlocked(k.source(), false, "the key from " + k.source() + " did not unlock " + name + ": " + e.getMessage()
                            + ". " + keyAdvice(keyId));
                }
                refused.add(k.source());
                lastReason = e.getMessage();
                progress.accept(name + ": the key from " + k.source() + " was refused (" + e.hexCode() + "); trying the next source.");
            } catch (IOException | RuntimeException e) {
                return new Unlocked(k.source(), false, "unlocking " + name + " with the key from " + k.source() + " failed: " + e.getMessage()
                        + ". The other volumes are handled; " + keyAdvice(keyId));
            } finally {
                k.wipe();
            }
        }
    }

    private OpenedVolume locked(VolumeInfo volume, BitLockerStatus status, String keyId, String keySource, String message) {
        progress.accept(message);
        Report.BitLocker bl = new Report.BitLocker("locked", status.method(), keyId, keySource, false);
        return new OpenedVolume(null, volume.guidPath(), volume.label(), volume.fileSystem(), bl, "n/a", message);
    }

    private String keyIdFromMetadata(VolumeInfo volume) {
        try {
            List<String> ids = BitLockerKeyIds.recoveryPasswordIds(rawReader, volume.guidPath());
            return ids.isEmpty() ? null : ids.get(0);
        } catch (IOException | RuntimeException e) {
            progress.accept(volume.describe() + ": key ID not readable from the BitLocker metadata (" + e.getMessage() + ").");
            return null;
        }
    }

    static String keyAdvice(String keyId) {
        if (keyId == null) {
            return "Its key ID could not be read: take the ID from the blue BitLocker recovery screen, look up the recovery "
                    + "password, and run bootmedic again with --prompt or --key-file.";
        }
        return "Look up the recovery password for key ID " + keyId + " (the recovery screen shows its first 8 digits: "
                + keyId.substring(1, 9) + ") in AD, Entra ID/Intune or MBAM, then run bootmedic again with --prompt, "
                + "--key-file or a key bundle.";
    }

    /** Where java.nio can see the volume: its own mount point or a temporary one. Null when it cannot be mounted. */
    private Path rootOf(VolumeInfo volume) {
        if (volume.firstMountPoint() != null) {
            return Path.of(volume.firstMountPoint());
        }
        try {
            MountPoints.TemporaryMount mount = mountPoints.mount(volume);
            mounts.push(mount);
            progress.accept(volume.describe() + ": mounted at " + mount.path() + " for this run.");
            return mount.path();
        } catch (IOException e) {
            progress.accept(volume.describe() + ": could not be given a mount point (" + e.getMessage() + "), skipped.");
            return null;
        }
    }

    private void releaseLastMountIf(Path root) throws IOException {
        if (!mounts.isEmpty() && mounts.peek().path().equals(root)) {
            mounts.pop().close();
        }
    }

    private static String fileSystemOf(VolumeInfo volume, Path root) {
        if (volume.fileSystem() != null) {
            return volume.fileSystem();
        }
        try {
            return Files.getFileStore(root).type().toUpperCase(java.util.Locale.ROOT);
        } catch (IOException e) {
            return null;
        }
    }

    /** Removes every temporary mount point, the newest first, even when one of them fails. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        while (!mounts.isEmpty()) {
            try {
                mounts.pop().close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
