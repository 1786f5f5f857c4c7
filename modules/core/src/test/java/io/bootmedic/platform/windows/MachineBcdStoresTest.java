package io.bootmedic.platform.windows;

import io.bootmedic.platform.DriveType;
import io.bootmedic.platform.MountPoints;
import io.bootmedic.platform.VolumeInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** From WinPE, the machine's BCD is on its EFI partition (no letter), not on the stick and not on WinPE's X:. */
class MachineBcdStoresTest {
    @TempDir
    Path tmp;

    static String vol(String n) {
        return "\\\\?\\Volume{" + n + "-0000-4000-8000-000000000000}\\";
    }

    Path dir(String name, String... files) throws IOException {
        Path root = Files.createDirectories(tmp.resolve(name));
        for (String f : files) {
            Files.createDirectories(root.resolve(f).getParent());
            Files.write(root.resolve(f), new byte[] {1});
        }
        return root;
    }

    @Test
    void theEspIsMountedAndKeptTheOthersAreReleasedOrSkipped() throws IOException {
        Path esp = dir("esp", "EFI/Microsoft/Boot/BCD");
        Path c = dir("c", "Windows/System32/config/SYSTEM");
        Path stickBoot = dir("stick", "EFI/Microsoft/Boot/BCD", "sources/boot.wim");
        Path removable = dir("removable", "EFI/Microsoft/Boot/BCD");
        Path x = dir("x", "Windows/System32/config/SYSTEM");
        Path recovery = dir("recovery", "Recovery/WindowsRE/Winre.wim");
        List<VolumeInfo> layout = List.of(
                new VolumeInfo(vol("11111111"), List.of(), "", "FAT32", DriveType.FIXED, 100),
                new VolumeInfo(vol("22222222"), List.of(), "Recovery", "NTFS", DriveType.FIXED, 100),
                new VolumeInfo(vol("33333333"), List.of(c.toString()), "Windows", "NTFS", DriveType.FIXED, 100),
                new VolumeInfo(vol("44444444"), List.of(), null, null, DriveType.FIXED, -1),
                new VolumeInfo(vol("55555555"), List.of(stickBoot.toString()), "BOOTMEDIC", "FAT32", DriveType.FIXED, 100),
                new VolumeInfo(vol("66666666"), List.of(removable.toString()), "STICK", "FAT32", DriveType.REMOVABLE, 100),
                new VolumeInfo(vol("77777777"), List.of("X:\\"), "Boot", "NTFS", DriveType.RAMDISK, 100));
        Map<String, Path> letterless = Map.of(vol("11111111"), esp, vol("22222222"), recovery, vol("44444444"), x);
        List<String> mounted = new ArrayList<>();
        List<String> released = new ArrayList<>();
        MountPoints mounts = v -> {
            mounted.add(v.guidPath());
            return new MountPoints.TemporaryMount() {
                @Override
                public Path path() {
                    return letterless.get(v.guidPath());
                }

                @Override
                public void close() {
                    released.add(v.guidPath());
                }
            };
        };
        List<Path> found;
        try (MachineBcdStores stores = new MachineBcdStores(() -> layout, mounts, "X:")) {
            found = stores.find(line -> { });
            assertEquals(List.of(vol("22222222")), released, "the recovery partition holds no store: released at once");
        }
        assertEquals(List.of(esp.resolve("EFI/Microsoft/Boot/BCD")), found, "only the machine's EFI partition; not the boot stick, not a removable one");
        assertEquals(List.of(vol("11111111"), vol("22222222")), mounted, "the locked volume (no file system) is not mounted");
        assertEquals(List.of(vol("22222222"), vol("11111111")), released, "the EFI partition's mount point goes on close");
    }

    @Test
    void aBiosMachinesSystemReservedPartitionCounts() throws IOException {
        Path reserved = dir("reserved", "Boot/BCD");
        List<VolumeInfo> layout = List.of(new VolumeInfo(vol("11111111"), List.of(reserved.toString()), "System Reserved", "NTFS", DriveType.FIXED, 100));
        try (MachineBcdStores stores = new MachineBcdStores(() -> layout, v -> {
            throw new IOException("not needed");
        }, null)) {
            assertEquals(List.of(reserved.resolve("Boot/BCD")), stores.find(line -> { }));
        }
    }
}
