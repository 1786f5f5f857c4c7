package io.bootmedic.volumes;

import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.platform.BitLockerControl;
import io.bootmedic.platform.BitLockerStatus;
import io.bootmedic.platform.DriveType;
import io.bootmedic.platform.KeyProvider;
import io.bootmedic.platform.LockState;
import io.bootmedic.platform.MountPoints;
import io.bootmedic.platform.RecoveryTarget;
import io.bootmedic.platform.VolumeInfo;
import io.bootmedic.remediation.OpenedVolume;
import io.bootmedic.report.RunMode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In WinRE, --all takes only the volume the boot configuration names and never a removable one:
 * a stick with a crafted hive (here a Windows tree on the USB stick) is not even asked about.
 */
class WinReVolumeChoiceTest {
    static final String C = vol("44444444");
    static final String LOCKED = vol("33333333");
    static final String STICK = vol("77777777");
    static final String USB_DISK = vol("99999999");

    @TempDir
    Path temp;
    final List<String> asked = new ArrayList<>();
    final List<String> progress = new ArrayList<>();
    List<VolumeInfo> layout;

    static String vol(String first8) {
        return "\\\\?\\Volume{" + first8 + "-0000-4000-8000-000000000000}\\";
    }

    static Path windows(Path root) throws IOException {
        Files.createDirectories(root.resolve("Windows/System32/config"));
        Files.write(root.resolve("Windows/System32/config/SYSTEM"), new byte[] {'r', 'e', 'g', 'f'});
        return root;
    }

    @BeforeEach
    void layout() throws IOException {
        layout = List.of(
                new VolumeInfo(C, List.of("C:\\"), "Windows", "NTFS", DriveType.FIXED, 1, "\\Device\\HarddiskVolume3"),
                new VolumeInfo(LOCKED, List.of(), null, null, DriveType.FIXED, -1, "\\Device\\HarddiskVolume5"),
                new VolumeInfo(STICK, List.of(windows(temp.resolve("stick")).toString()), "CRAFTED", "FAT32", DriveType.REMOVABLE, 1, "\\Device\\HarddiskVolume9"),
                new VolumeInfo(USB_DISK, List.of(windows(temp.resolve("usbdisk")).toString()), "USB", "NTFS", DriveType.FIXED, 1, "\\Device\\HarddiskVolume8"));
    }

    WindowsAllTarget target(RecoveryTarget recovery) {
        BitLockerControl bitLocker = new BitLockerControl() {
            @Override
            public BitLockerStatus status(String volume) {
                asked.add(volume);
                return volume.equals(LOCKED) ? new BitLockerStatus(LockState.LOCKED, "XTS-AES-128", List.of()) : BitLockerStatus.NOT_ENCRYPTED;
            }

            @Override
            public void unlockWithRecoveryPassword(String volume, RecoveryPassword password) {
            }

            @Override
            public void unlockWithExternalKey(String volume, byte[] bek) {
            }
        };
        KeyProvider noKeys = (keyId, description) -> Optional::empty;
        MountPoints none = v -> {
            throw new IOException("not mountable here");
        };
        return new WindowsAllTarget(() -> layout, none, bitLocker, noKeys, RunMode.WINPE, progress::add).onlyRecoveryTarget(recovery);
    }

    @Test
    void onlyTheVolumeTheBootConfigurationNamesByLetter() throws IOException {
        WindowsAllTarget t = target(() -> "c:");
        t.open(); // C:\ is not a folder on this Linux host: it is chosen and asked about, then found empty
        assertEquals(List.of(C), asked, "the stick and the USB disk are never asked about");
        assertTrue(progress.stream().anyMatch(p -> p.contains("CRAFTED") && p.contains("removable, not looked at")), progress.toString());
        assertTrue(t.reportNotes().get(0).startsWith("In WinRE only the volume its boot configuration names"), t.reportNotes().toString());
    }

    @Test
    void aLetterlessOsVolumeByItsDevicePath() throws IOException {
        WindowsAllTarget t = target(() -> "\\Device\\HarddiskVolume5");
        List<OpenedVolume> opened = t.open();
        assertEquals(List.of(LOCKED), opened.stream().map(OpenedVolume::volumeId).toList());
        assertTrue(opened.get(0).locked(), "met locked: the key chain then the menu");
        assertEquals(List.of(LOCKED), asked);
    }

    @Test
    void whenTheBootConfigurationCannotBeReadOnlyFixedVolumesAndTheReportSaysSo() throws IOException {
        WindowsAllTarget t = target(() -> {
            throw new IOException("bcdedit /enum {current} /v exited 1");
        });
        t.open();
        assertEquals(List.of(C, LOCKED, USB_DISK), asked, "removable never, fixed all");
        assertTrue(t.reportNotes().get(0).contains("did not say which volume") && t.reportNotes().get(0).contains("exited 1"), t.reportNotes().toString());
    }

    @Test
    void withoutWinReEveryLocalVolumeIsLookedAt() throws IOException {
        new WindowsAllTarget(() -> layout, v -> {
            throw new IOException("no");
        }, new BitLockerControl() {
            @Override
            public BitLockerStatus status(String volume) {
                asked.add(volume);
                return BitLockerStatus.NOT_ENCRYPTED;
            }

            @Override
            public void unlockWithRecoveryPassword(String volume, RecoveryPassword password) {
            }

            @Override
            public void unlockWithExternalKey(String volume, byte[] bek) {
            }
        }, (keyId, d) -> Optional::empty, RunMode.WINPE, progress::add).open();
        assertEquals(List.of(C, LOCKED, STICK, USB_DISK), asked, "WinPE from a stick: a technician is there, every disk counts");
    }
}
