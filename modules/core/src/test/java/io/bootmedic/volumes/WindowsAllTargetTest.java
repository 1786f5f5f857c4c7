package io.bootmedic.volumes;

import io.bootmedic.fs.RelPath;
import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.platform.BitLockerCodes;
import io.bootmedic.platform.BitLockerControl;
import io.bootmedic.platform.BitLockerControlException;
import io.bootmedic.platform.BitLockerKeyIdsTest;
import io.bootmedic.platform.BitLockerKeyIdsTestSupport;
import io.bootmedic.platform.BitLockerStatus;
import io.bootmedic.platform.DriveType;
import io.bootmedic.platform.KeyProvider;
import io.bootmedic.platform.LockState;
import io.bootmedic.platform.MountPoints;
import io.bootmedic.platform.RawVolumeReader;
import io.bootmedic.platform.RecoveryPasswordOrBek;
import io.bootmedic.platform.VolumeEnumerator;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A two-disk laptop as WinPE sees it: EFI and recovery partitions without letters, C: plain,
 * a BitLocker-locked second Windows without a letter, a data disk, the WinPE RAM disk X:,
 * the USB stick and a DVD drive.
 */
class WindowsAllTargetTest {
    static final String KEY_ID = "{8F0E4B2A-3C1D-4E5F-A6B7-C8D9E0F1A2B3}";
    static final String PASSWORD = "000011-000022-000033-000044-000055-000066-000077-000088";
    static final String EFI = vol("11111111");
    static final String RECOVERY = vol("22222222");
    static final String LOCKED_WIN = vol("33333333");
    static final String C = vol("44444444");
    static final String DATA = vol("55555555");
    static final String RAMDISK = vol("66666666");
    static final String USB = vol("77777777");
    static final String DVD = vol("88888888");

    @TempDir
    Path temp;
    final List<String> progress = new ArrayList<>();
    final Map<String, Path> mountable = new HashMap<>();
    final List<String> mounted = new ArrayList<>();
    final List<String> unmounted = new ArrayList<>();
    FakeBitLocker bitLocker;
    List<VolumeInfo> layout;

    static String vol(String first8) {
        return "\\\\?\\Volume{" + first8 + "-0000-4000-8000-000000000000}\\";
    }

    @BeforeEach
    void layout() throws IOException {
        Path c = windows(temp.resolve("C"));
        Path data = Files.createDirectories(temp.resolve("D"));
        Path usb = Files.createDirectories(temp.resolve("USB"));
        mountable.put(EFI, Files.createDirectories(temp.resolve("efi")));
        mountable.put(RECOVERY, Files.createDirectories(temp.resolve("recovery")));
        mountable.put(LOCKED_WIN, windows(temp.resolve("second-windows")));
        layout = List.of(
                new VolumeInfo(EFI, List.of(), "", "FAT32", DriveType.FIXED, 100_000_000L),
                new VolumeInfo(RECOVERY, List.of(), "Recovery", "NTFS", DriveType.FIXED, 600_000_000L),
                new VolumeInfo(C, List.of(c.toString()), "Windows", "NTFS", DriveType.FIXED, 250_000_000_000L),
                new VolumeInfo(LOCKED_WIN, List.of(), null, null, DriveType.FIXED, -1),
                new VolumeInfo(DATA, List.of(data.toString()), "Data", "NTFS", DriveType.FIXED, 1_000_000_000_000L),
                new VolumeInfo(RAMDISK, List.of(windows(temp.resolve("X")).toString()), "Boot", "NTFS", DriveType.RAMDISK, 500_000_000L),
                new VolumeInfo(USB, List.of(usb.toString()), "BOOTMEDIC", "FAT32", DriveType.REMOVABLE, 16_000_000_000L),
                new VolumeInfo(DVD, List.of("E:\\"), null, null, DriveType.CDROM, -1));
        bitLocker = new FakeBitLocker();
        bitLocker.status.put(LOCKED_WIN, new BitLockerStatus(LockState.LOCKED, "XTS-AES-128", List.of(KEY_ID)));
    }

    static Path windows(Path root) throws IOException {
        Files.createDirectories(root.resolve("Windows/System32/config"));
        Files.write(root.resolve("Windows/System32/config/SYSTEM"), new byte[] {'r', 'e', 'g', 'f'});
        return root;
    }

    WindowsAllTarget target(KeyProvider keys) {
        VolumeEnumerator enumerator = () -> layout;
        MountPoints mounts = volume -> {
            Path p = mountable.get(volume.guidPath());
            if (p == null) {
                throw new IOException("no such volume");
            }
            mounted.add(volume.guidPath());
            return new MountPoints.TemporaryMount() {
                @Override
                public Path path() {
                    return p;
                }

                @Override
                public void close() {
                    unmounted.add(volume.guidPath());
                }
            };
        };
        return new WindowsAllTarget(enumerator, mounts, bitLocker, keys, RunMode.WINPE, progress::add);
    }

    @Test
    void withoutKeysThePlainWindowsOpensAndTheLockedOneNamesItsKeyId() throws IOException {
        List<OpenedVolume> volumes;
        try (WindowsAllTarget target = target(KeyProvider.NONE)) {
            volumes = target.open();
            assertEquals(List.of(C, LOCKED_WIN), volumes.stream().map(OpenedVolume::volumeId).toList());
            OpenedVolume c = volumes.get(0);
            assertFalse(c.locked());
            assertEquals("none", c.bitlocker().state());
            assertTrue(c.tree().stat(RelPath.of("Windows/System32/config/SYSTEM")).isPresent());

            OpenedVolume locked = volumes.get(1);
            assertTrue(locked.locked());
            assertNull(locked.tree());
            assertEquals("locked", locked.bitlocker().state());
            assertEquals(KEY_ID, locked.bitlocker().recoveryKeyId());
            assertTrue(locked.lockedMessage().contains(KEY_ID), locked.lockedMessage());
            assertTrue(locked.lockedMessage().contains("8F0E4B2A"), "the recovery screen shows the first 8 digits");
            assertTrue(locked.lockedMessage().contains("--prompt"), "says how to give the key");
        }
        // EFI and recovery were mounted to look for Windows and released at once; nothing stays mounted
        assertEquals(List.of(EFI, RECOVERY), mounted);
        assertEquals(List.of(EFI, RECOVERY), unmounted);
    }

    @Test
    void keyFromProviderUnlocksMountsAndReleasesOnClose() throws Exception {
        List<String> askedFor = new ArrayList<>();
        RecoveryPassword good = RecoveryPassword.parse(PASSWORD);
        KeyProvider keys = (keyId, description) -> {
            askedFor.add(keyId);
            return KeyProvider.of(List.of(RecoveryPasswordOrBek.password(good, "bundle"))).candidates(keyId, description);
        };
        WindowsAllTarget target = target(keys);
        List<OpenedVolume> volumes = target.open();
        assertEquals(List.of(KEY_ID), askedFor, "only the locked volume needs a key");
        OpenedVolume second = volumes.get(1);
        assertFalse(second.locked());
        assertEquals("unlocked", second.bitlocker().state());
        assertEquals("bundle", second.bitlocker().keySource());
        assertTrue(second.bitlocker().recoveryPasswordUsed(), "a used recovery password must be reported for rotation");
        assertEquals("XTS-AES-128", second.bitlocker().method());
        assertTrue(second.tree().stat(RelPath.of("Windows/System32/config/SYSTEM")).isPresent());
        assertFalse(unmounted.contains(LOCKED_WIN), "stays mounted while the engine works on it");
        target.close();
        assertTrue(unmounted.contains(LOCKED_WIN));
        assertFalse(progress.stream().anyMatch(l -> l.contains("000011")), "no key in progress lines: " + progress);
    }

    @Test
    void wrongKeyLeavesTheVolumeLockedWithTheReason() throws Exception {
        RecoveryPassword wrong = RecoveryPassword.parse("111111-000022-000033-000044-000055-000066-000077-000088");
        KeyProvider keys = KeyProvider.of(List.of(RecoveryPasswordOrBek.password(wrong, "key-file")));
        try (WindowsAllTarget target = target(keys)) {
            OpenedVolume v = target.open().get(1);
            assertTrue(v.locked());
            assertEquals("key-file", v.bitlocker().keySource());
            assertTrue(v.lockedMessage().contains("0x80310027"), v.lockedMessage());
            assertTrue(v.lockedMessage().contains(KEY_ID), v.lockedMessage());
            assertFalse(v.lockedMessage().contains("111111"), v.lockedMessage());
        }
    }

    @Test
    void bekKeyUnlocksToo() throws Exception {
        KeyProvider keys = KeyProvider.of(List.of(RecoveryPasswordOrBek.bek(FakeBitLocker.BEK, "key-file")));
        try (WindowsAllTarget target = target(keys)) {
            OpenedVolume v = target.open().get(1);
            assertFalse(v.locked());
            assertFalse(v.bitlocker().recoveryPasswordUsed());
        }
    }

    @Test
    void keyIdComesFromTheMetadataWhenBitLockerToolsGiveNone() throws Exception {
        bitLocker.status.put(LOCKED_WIN, new BitLockerStatus(LockState.LOCKED, null, List.of()));
        Path image = BitLockerKeyIdsTestSupport.realImage("bitlk-aes-xts-128.img");
        List<String> asked = new ArrayList<>();
        KeyProvider keys = (keyId, d) -> {
            asked.add(keyId);
            return Optional::empty;
        };
        VolumeEnumerator enumerator = () -> layout;
        try (WindowsAllTarget target = new WindowsAllTarget(enumerator, v -> { throw new IOException("unused"); }, bitLocker, keys, RunMode.WINPE,
                progress::add, BitLockerKeyIdsTest.file(image))) {
            OpenedVolume v = target.open().stream().filter(OpenedVolume::locked).findFirst().orElseThrow();
            assertEquals("{64311DEA-4587-4029-924A-BA299647998E}", v.bitlocker().recoveryKeyId());
            assertEquals(List.of("{64311DEA-4587-4029-924A-BA299647998E}"), asked);
        }
    }

    @Test
    void unreadableMetadataLeavesTheKeyIdUnknownWithAdvice() throws Exception {
        bitLocker.status.put(LOCKED_WIN, new BitLockerStatus(LockState.LOCKED, null, List.of()));
        VolumeEnumerator enumerator = () -> layout;
        RawVolumeReader broken = (v, o, l) -> new byte[l];
        try (WindowsAllTarget target = new WindowsAllTarget(enumerator, v -> { throw new IOException("unused"); }, bitLocker,
                KeyProvider.NONE, RunMode.WINPE, progress::add, broken)) {
            OpenedVolume v = target.open().stream().filter(OpenedVolume::locked).findFirst().orElseThrow();
            assertNull(v.bitlocker().recoveryKeyId());
            assertTrue(v.lockedMessage().contains("take the ID from the blue BitLocker recovery screen"), v.lockedMessage());
        }
    }

    @Test
    void enumerationFailureIsATargetErrorWithAHint() {
        WindowsAllTarget broken = new WindowsAllTarget(() -> {
            throw new IOException("FindFirstVolumeW failed: 5");
        }, v -> null, bitLocker, KeyProvider.NONE, RunMode.WINPE, progress::add);
        TargetException e = assertThrows(TargetException.class, broken::open);
        assertTrue(e.getMessage().contains("-Drivers"), e.getMessage());
    }

    @Test
    void unreadableBitLockerStateOnAReadableVolumeStillScansIt() throws IOException {
        bitLocker.failStatusFor = C;
        try (WindowsAllTarget target = target(KeyProvider.NONE)) {
            List<OpenedVolume> volumes = target.open();
            assertNotNull(volumes.get(0).tree());
            assertTrue(progress.stream().anyMatch(l -> l.contains("BitLocker state unknown")), progress.toString());
        }
    }

    @Test
    void aKeyBitLockerRefusesMovesOnToTheNextSourceInTheChain() throws Exception {
        RecoveryPassword stale = RecoveryPassword.parse("111111-000022-000033-000044-000055-000066-000077-000088");
        List<String> fetched = new ArrayList<>();
        KeyProvider keys = (keyId, d) -> {
            java.util.Iterator<RecoveryPasswordOrBek> it = List.of(
                    RecoveryPasswordOrBek.bek(new byte[] {9}, "key-file"),
                    RecoveryPasswordOrBek.password(stale, "bundle"),
                    RecoveryPasswordOrBek.password(parse(PASSWORD), "collector")).iterator();
            return () -> {
                if (!it.hasNext()) {
                    return Optional.empty();
                }
                RecoveryPasswordOrBek k = it.next();
                fetched.add(k.source());
                return Optional.of(k);
            };
        };
        try (WindowsAllTarget target = target(keys)) {
            OpenedVolume v = target.open().get(1);
            assertFalse(v.locked(), v.lockedMessage());
            assertEquals("collector", v.bitlocker().keySource());
            assertEquals(List.of("key-file", "bundle", "collector"), fetched, "each source asked only after the one before was refused");
            assertTrue(progress.stream().anyMatch(l -> l.contains("the key from bundle was refused (0x80310027)")), progress.toString());
        }
    }

    @Test
    void whenEveryKeyIsRefusedTheVolumeStaysLockedNamingWhatWasTried() throws Exception {
        RecoveryPassword stale = RecoveryPassword.parse("111111-000022-000033-000044-000055-000066-000077-000088");
        KeyProvider keys = KeyProvider.of(List.of(RecoveryPasswordOrBek.password(stale, "key-file"), RecoveryPasswordOrBek.password(stale, "bundle")));
        try (WindowsAllTarget target = target(keys)) {
            OpenedVolume v = target.open().get(1);
            assertTrue(v.locked());
            assertTrue(v.lockedMessage().contains("tried the key from key-file, then bundle"), v.lockedMessage());
            assertTrue(v.lockedMessage().contains(KEY_ID), v.lockedMessage());
        }
    }

    /** The .BEK case of a fresh WinPE: the unlock fails with an I/O error; that volume stays locked, the others are repaired. */
    @Test
    void anUnlockThatFailsWithAnIoErrorLocksOnlyThatVolume() throws Exception {
        Path c2 = windows(temp.resolve("C2"));
        String lockedToo = vol("99999999");
        mountable.put(lockedToo, c2);
        layout = new ArrayList<>(layout);
        layout.add(new VolumeInfo(lockedToo, List.of(), null, null, DriveType.FIXED, -1));
        bitLocker.status.put(lockedToo, new BitLockerStatus(LockState.LOCKED, "XTS-AES-128", List.of(KEY_ID)));
        bitLocker.ioFailureFor = LOCKED_WIN;
        KeyProvider keys = KeyProvider.of(List.of(RecoveryPasswordOrBek.bek(FakeBitLocker.BEK, "key-file")));
        try (WindowsAllTarget target = target((keyId, d) -> keys.candidates(keyId, d))) {
            List<OpenedVolume> volumes = target.open();
            OpenedVolume broken = volumes.stream().filter(v -> v.volumeId().equals(LOCKED_WIN)).findFirst().orElseThrow();
            assertTrue(broken.locked());
            assertTrue(broken.lockedMessage().contains("could not create the temporary key file"), broken.lockedMessage());
            OpenedVolume other = volumes.stream().filter(v -> v.volumeId().equals(lockedToo)).findFirst().orElseThrow();
            assertFalse(other.locked(), "the run went on with the next volume");
        }
    }

    @Test
    void inWinPeTheRunningSystemsOwnDriveIsNotTakenForWindows() throws IOException {
        // WinPE booted from a fixed disk: X: is FIXED, not a RAM disk, and has Windows\System32\config\SYSTEM
        Path x = windows(temp.resolve("PE"));
        String peVolume = vol("aaaaaaaa");
        layout = new ArrayList<>(layout);
        layout.add(new VolumeInfo(peVolume, List.of("X:\\"), "Boot", "NTFS", DriveType.FIXED, 500_000_000L));
        mountable.put(peVolume, x);
        try (WindowsAllTarget target = target(KeyProvider.NONE).skipOwnDrive("x:")) {
            List<String> ids = target.open().stream().map(OpenedVolume::volumeId).toList();
            assertFalse(ids.contains(peVolume), ids.toString());
            assertTrue(ids.contains(C));
            assertTrue(progress.stream().anyMatch(l -> l.contains("the running WinPE's own drive, skipped")), progress.toString());
        }
    }

    private static RecoveryPassword parse(String rp) {
        try {
            return RecoveryPassword.parse(rp);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Stands in for WMI: one locked volume that opens with one password or one .BEK. */
    static final class FakeBitLocker implements BitLockerControl {
        static final byte[] BEK = {0x42, 0x45, 0x4B};
        final Map<String, BitLockerStatus> status = new HashMap<>();
        String failStatusFor;
        String ioFailureFor;

        @Override
        public BitLockerStatus status(String volume) throws IOException {
            if (volume.equals(failStatusFor)) {
                throw new BitLockerControlException(BitLockerCodes.describe(BitLockerCodes.WBEM_E_INVALID_NAMESPACE), BitLockerCodes.WBEM_E_INVALID_NAMESPACE);
            }
            return status.getOrDefault(volume, BitLockerStatus.NOT_ENCRYPTED);
        }

        @Override
        public void unlockWithRecoveryPassword(String volume, RecoveryPassword password) throws IOException {
            if (!password.reveal().equals(PASSWORD)) {
                BitLockerCodes.check(BitLockerCodes.FVE_E_FAILED_AUTHENTICATION, "unlock " + volume);
            }
            unlocked(volume);
        }

        @Override
        public void unlockWithExternalKey(String volume, byte[] bek) throws IOException {
            if (volume.equals(ioFailureFor)) {
                throw new java.nio.file.NoSuchFileException("X:\\Windows\\Temp\\bootmedic", null, "could not create the temporary key file");
            }
            if (!java.util.Arrays.equals(bek, BEK)) {
                BitLockerCodes.check(BitLockerCodes.FVE_E_KEYFILE_INVALID, "unlock " + volume);
            }
            unlocked(volume);
        }

        private void unlocked(String volume) {
            BitLockerStatus s = status.get(volume);
            status.put(volume, new BitLockerStatus(LockState.UNLOCKED, s.method(), s.numericalPasswordIds()));
        }
    }
}
