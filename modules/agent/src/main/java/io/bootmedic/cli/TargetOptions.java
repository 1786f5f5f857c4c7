package io.bootmedic.cli;

import io.bootmedic.bitlocker.VolumeKeys;
import io.bootmedic.osrepair.win32.WindowsRoute;
import io.bootmedic.platform.KeyProvider;
import io.bootmedic.platform.LocalVolumePorts;
import io.bootmedic.platform.WindowsRunMode;
import io.bootmedic.remediation.Target;
import io.bootmedic.report.RunMode;
import io.bootmedic.volumes.ImageTarget;
import io.bootmedic.volumes.PlatformLoadFailedTarget;
import io.bootmedic.volumes.RootTarget;
import io.bootmedic.volumes.WindowsAllTarget;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** TARGET = --root DIR | --image FILE | --device PATH | --all (docs/design.md §5). Exactly one. */
public class TargetOptions {
    @Option(names = "--root", paramLabel = "DIR",
            description = "A Windows drive that is already mounted and unlocked: C:\\ in safe mode, a Mount-VHD letter, /mnt/c on Linux.")
    Path root;

    @Option(names = "--image", paramLabel = "FILE", description = "A disk or volume image (raw, VHD, VHDX), repaired offline without mounting it.")
    Path image;

    @Option(names = "--device", paramLabel = "PATH", description = "A block device such as /dev/sdc (a cloud OS disk attached to a rescue VM).")
    Path device;

    @Option(names = "--backing-dir", paramLabel = "DIR",
            description = "A qcow2 overlay's backing file is followed only inside the overlay's own folder, or inside this folder "
                    + "(e.g. /var/lib/nova/instances/_base); names that are absolute or lead elsewhere are refused.")
    Path backingDir;

    /** --journal and --quarantine-dir of the commands that change volumes (fix, undo); their defaults elsewhere. */
    RepairOptions repair = new RepairOptions();

    @picocli.CommandLine.Mixin
    KeyOptions keyOptions = new KeyOptions();

    @Option(names = "--all", description = "Every Windows volume on every disk of this machine (WinPE or safe mode on Windows).")
    boolean all;

    /** fix --winre: --all looks only at the Windows WinRE was started for, and never at removable volumes. */
    boolean winre;

    /** Receives the --all run's progress lines (never a key); the screen by default. */
    java.util.function.Consumer<String> progress = System.err::println;

    /** Builds the target, or throws a usage error that says which option to use. {@code writable}: a fix, not a look. */
    Target target(boolean writable) {
        int given = (root != null ? 1 : 0) + (image != null ? 1 : 0) + (device != null ? 1 : 0) + (all ? 1 : 0);
        if (given != 1) {
            throw new UsageError(given == 0
                    ? "say where Windows is: --root DIR (a mounted drive), --image FILE, --device PATH or --all"
                    : "give only one of --root, --image, --device, --all");
        }
        keyOptions.checkFiles(); // even where no key is needed: a FIFO or a typo is said now, not when a locked volume turns up
        if (root != null) {
            // on the machine itself (safe mode, WinPE) the report says so; elsewhere it is a mounted disk
            RunMode mode = AfterFix.onWindows() && WindowsRunMode.current().onTheBrokenMachine() ? WindowsRunMode.current() : RunMode.MOUNTED_ROOT;
            RootTarget rooted = new RootTarget(root, mode);
            // on Windows the repair rules go through Windows' own tools (registry API, DISM, bcdedit): docs/windows-repairs.md
            return AfterFix.onWindows() ? rooted.repairs(WindowsRoute.repairs(() -> ThisPlatform.get().localVolumes(progress), ownDrive(mode))) : rooted;
        }
        if (!repair.journalMode.equals("neutralize") && !repair.journalMode.equals("reset")) {
            throw new UsageError("--journal takes 'neutralize' or 'reset', not '" + repair.journalMode + "'");
        }
        if (image != null || device != null) {
            return new ImageTarget(image != null ? image : device, device != null, writable, repair.quarantineDir)
                    .backingDir(backingDir).resetJournal(repair.journalMode.equals("reset")).keys(keys());
        }
        RunMode mode = WindowsRunMode.current();
        try {
            io.bootmedic.platform.Platform platform = ThisPlatform.get();
            LocalVolumePorts ports = platform.localVolumes(progress);
            WindowsAllTarget all = new WindowsAllTarget(ports, keyProvider(), mode, progress).repairs(WindowsRoute.repairs(() -> ports, ownDrive(mode)));
            if (winre) {
                all.onlyRecoveryTarget(recoveryTarget(platform));
            }
            // in safe mode %SystemDrive% is the broken Windows itself; in WinPE it is WinPE's own X:
            return mode == RunMode.WINPE ? all.skipOwnDrive(System.getenv("SystemDrive")) : all;
        } catch (UnsupportedOperationException e) {
            throw new UsageError("--all works only on Windows (WinPE or safe mode); on this machine use --root, --image or --device");
        } catch (LinkageError e) {
            // the first touch of JNA (Kernel32.INSTANCE): a payload without native\ fails here; the run reports it
            return new PlatformLoadFailedTarget(mode, e);
        }
    }

    /** WinPE's and WinRE's own X: (never searched for a boot configuration); none on a booted Windows. */
    private static String ownDrive(RunMode mode) {
        return mode == RunMode.WINPE ? System.getenv("SystemDrive") : null;
    }

    /** A platform without WinRE still runs --winre: the choice then says the boot configuration could not be asked. */
    private static io.bootmedic.platform.RecoveryTarget recoveryTarget(io.bootmedic.platform.Platform platform) {
        try {
            return platform.recoveryTarget();
        } catch (UnsupportedOperationException e) {
            return () -> {
                throw new java.io.IOException(e.getMessage());
            };
        }
    }

    VolumeKeys keys() {
        return keyOptions.keys();
    }

    KeyProvider keyProvider() {
        return keyOptions.keyProvider();
    }

    String describe() {
        if (root != null) {
            return "--root " + root;
        }
        if (image != null) {
            return "--image " + image;
        }
        return device != null ? "--device " + device : "--all";
    }
}
