package io.bootmedic.cli;

import io.bootmedic.target.ImageTarget;
import io.bootmedic.target.RootTarget;
import io.bootmedic.target.Target;
import picocli.CommandLine.Option;

import io.bootmedic.bitlocker.VolumeKeys;
import io.bootmedic.keys.InvalidRecoveryPasswordException;
import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.platform.KeyProvider;
import io.bootmedic.platform.PlatformFactory;
import io.bootmedic.platform.RecoveryPasswordOrBek;
import io.bootmedic.platform.WindowsRunMode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** TARGET = --root DIR | --image FILE | --device PATH | --all (DESIGN §4). Exactly one. */
public class TargetOptions {
    @Option(names = "--root", paramLabel = "DIR",
            description = "A Windows drive that is already mounted and unlocked: C:\\ in safe mode, a Mount-VHD letter, /mnt/c on Linux.")
    Path root;

    @Option(names = "--image", paramLabel = "FILE", description = "A disk or volume image (raw, VHD, VHDX), repaired offline without mounting it.")
    Path image;

    @Option(names = "--device", paramLabel = "PATH", description = "A block device such as /dev/sdc (a cloud OS disk attached to a rescue VM).")
    Path device;

    @Option(names = "--quarantine-dir", paramLabel = "DIR",
            description = "For images and devices whose Windows crashed or hibernated: where the original bytes of neutralized files are kept "
                    + "on this host (default: IMAGE.bootmedic-quarantine beside the image, ./bootmedic-quarantine for devices).")
    Path quarantineDir;

    @Option(names = "--journal", paramLabel = "MODE",
            description = "For images and devices whose Windows crashed: 'neutralize' (default) zeroes the file's data in place and changes no metadata; "
                    + "'reset' empties the NTFS journal as ntfsfix does, marks the volume for chkdsk and quarantines by rename.")
    String journalMode = "neutralize";

    @Option(names = "--recovery-password", paramLabel = "P", description = "A BitLocker recovery password (48 digits). For scripts; "
            + "people should prefer key files, bundles or the prompt so the password stays out of shell history.")
    List<String> recoveryPasswords = new ArrayList<>();

    @Option(names = "--password", paramLabel = "P", description = "A BitLocker user password (for scripts).")
    List<String> passwords = new ArrayList<>();

    @Option(names = "--key-file", paramLabel = "FILE", description = "A recovery-key export: AD (LDIF or CSV), Entra ID / Intune (Graph JSON), "
            + "MBAM or any CSV with a key ID and a recovery key column (repeatable). Keys are matched to each volume by key ID.")
    List<Path> keyFiles = new ArrayList<>();

    @Option(names = "--bek", paramLabel = "FILE", description = "A BitLocker startup key file (.BEK), e.g. from Azure Disk Encryption's Key Vault.")
    List<Path> bekFiles = new ArrayList<>();

    @Option(names = "--all", description = "Every Windows volume on every disk of this machine (WinPE or safe mode on Windows).")
    boolean all;

    /** Builds the target, or throws a usage error that says which option to use. {@code writable}: a fix, not a look. */
    Target target(boolean writable) {
        int given = (root != null ? 1 : 0) + (image != null ? 1 : 0) + (device != null ? 1 : 0) + (all ? 1 : 0);
        if (given != 1) {
            throw new UsageError(given == 0
                    ? "say where Windows is: --root DIR (a mounted drive), --image FILE, --device PATH or --all"
                    : "give only one of --root, --image, --device, --all");
        }
        if (root != null) {
            return new RootTarget(root, "mounted-root");
        }
        if (!journalMode.equals("neutralize") && !journalMode.equals("reset")) {
            throw new UsageError("--journal takes 'neutralize' or 'reset', not '" + journalMode + "'");
        }
        if (image != null || device != null) {
            return new ImageTarget(image != null ? image : device, device != null, writable, quarantineDir)
                    .resetJournal(journalMode.equals("reset")).keys(keys());
        }
        try {
            return PlatformFactory.current().allTarget(keyProvider(), WindowsRunMode.current(), System.err::println);
        } catch (UnsupportedOperationException e) {
            throw new UsageError("--all works only on Windows (WinPE or safe mode); on this machine use --root, --image or --device");
        }
    }

    /** Keys from the command line; a malformed recovery password is a usage error that names the wrong group. */
    VolumeKeys keys() {
        List<RecoveryPassword> rps = new ArrayList<>();
        for (String rp : recoveryPasswords) {
            try {
                rps.add(RecoveryPassword.parse(rp));
            } catch (InvalidRecoveryPasswordException e) {
                throw new UsageError("--recovery-password: " + e.getMessage());
            }
        }
        List<char[]> pws = passwords.stream().map(String::toCharArray).toList();
        return new VolumeKeys(rps, pws, bekFiles, "argument").withKeyFiles(KeyFiles.load(keyFiles));
    }

    /** The keys from the command line, offered to the Windows platform layer for each locked volume. */
    KeyProvider keyProvider() {
        keys(); // a malformed recovery password is a usage error before any volume is touched
        return (keyId, description) -> {
            for (String rp : recoveryPasswords) {
                try {
                    return Optional.of(RecoveryPasswordOrBek.password(RecoveryPassword.parse(rp), "argument"));
                } catch (InvalidRecoveryPasswordException e) {
                    throw new UsageError("--recovery-password: " + e.getMessage());
                }
            }
            for (Path bek : bekFiles) {
                return Optional.of(RecoveryPasswordOrBek.bek(java.nio.file.Files.readAllBytes(bek), "key-file"));
            }
            return Optional.empty();
        };
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
