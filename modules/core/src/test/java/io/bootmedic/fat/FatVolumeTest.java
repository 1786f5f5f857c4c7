package io.bootmedic.fat;

import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.testutil.Hostile;
import io.bootmedic.testutil.MemoryBlockDevice;
import io.bootmedic.testutil.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FAT reader and its one write against volumes dosfstools makes and mtools fills (neither shares code with
 * bootmedic): files found by long and short names, read exactly, replaced in place and read back by mtype, the file
 * system still clean for fsck.fat, and not one byte outside the file's clusters changed. Then the hostile cases.
 */
class FatVolumeTest {
    static final String BCD = "EFI/Microsoft/Boot/BCD";

    @TempDir
    Path tmp;

    @BeforeAll
    static void tools() throws Exception {
        for (String tool : List.of("mkfs.fat", "fsck.fat", "mcopy", "mtype", "mmd")) {
            Assumptions.assumeTrue(Tools.run(List.of("sh", "-c", "command -v " + tool)).exit() == 0,
                    "skipped: " + tool + " is not installed (dosfstools, mtools; scripts/setup-debian.sh installs them)");
        }
    }

    static Tools.Result m(String... command) throws Exception {
        List<String> c = new java.util.ArrayList<>(List.of("env", "MTOOLS_SKIP_CHECK=1"));
        c.addAll(List.of(command));
        return Tools.run(c);
    }

    /** A volume of the given FAT type with a BCD-sized file deep down, long names, and enough files for multi-cluster directories. */
    Path volume(int fatBits, int sizeKib, byte[] content) throws Exception {
        Path img = tmp.resolve("fat" + fatBits + ".img");
        Files.deleteIfExists(img);
        Tools.ok("mkfs.fat", "-C", "-F", Integer.toString(fatBits), "-s", "1", "-S", "512", "-i", "0BADF00D", img.toString(), Integer.toString(sizeKib));
        String i = img.toString();
        assertEquals(0, m("mmd", "-i", i, "::/EFI", "::/EFI/Microsoft", "::/EFI/Microsoft/Boot", "::/EFI/Boot").exit());
        Path src = Files.write(tmp.resolve("BCD"), content);
        Path other = Files.write(tmp.resolve("other"), "bootx64.efi stand-in".repeat(200).getBytes(StandardCharsets.US_ASCII));
        for (int k = 0; k < 40; k++) {
            assertEquals(0, m("mcopy", "-i", i, other.toString(), "::/EFI/Microsoft/Boot/Fichier de langue numéro " + k + ".mui").exit());
        }
        assertEquals(0, m("mcopy", "-i", i, src.toString(), "::/EFI/Microsoft/Boot/BCD").exit());
        assertEquals(0, m("mcopy", "-i", i, other.toString(), "::/EFI/Boot/bootx64.efi").exit());
        return img;
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @ValueSource(ints = {12, 16, 32})
    void aFileIsFoundReadAndReplacedInPlaceWithNothingElseChanged(int bits) throws Exception {
        byte[] original = random(32_768 + 1000, bits);
        Path img = volume(bits, bits == 32 ? 40_000 : bits == 16 ? 20_000 : 1_500, original);
        byte[] before = Files.readAllBytes(img);
        byte[] edited = random(original.length, 99);
        FatFile file;
        try (FileBlockDevice dev = FileBlockDevice.open(img, true)) {
            FatVolume v = FatVolume.open(dev);
            assertEquals("FAT" + bits, v.typeName());
            assertEquals("0BAD-F00D", v.serial());
            assertEquals(List.of(), v.problems());
            file = v.find("efi/MICROSOFT/boot/bcd").orElseThrow();
            assertEquals(original.length, file.size());
            assertArrayEquals(original, v.read(file, 1 << 20));
            assertTrue(v.find("EFI/Microsoft/Boot/fichier de langue NUMÉRO 7.mui").isPresent(), "a long name, matched case-insensitively");
            assertTrue(v.find("EFI/Microsoft/Boot/absent").isEmpty());
            assertTrue(v.find("EFI/Boot/bootx64.efi/deeper").isEmpty(), "a file is not a directory");
            v.overwrite(file, original, edited);
        }
        Tools.Result type = m("sh", "-c", "mtype -i \"$0\" ::/EFI/Microsoft/Boot/BCD | sha256sum", img.toString());
        assertEquals(io.bootmedic.util.Sha256.of(edited), type.out().split(" ")[0], "mtools reads the new bytes");
        Tools.Result fsck = Tools.run(List.of("fsck.fat", "-n", img.toString()));
        assertEquals(0, fsck.exit(), fsck.out());
        byte[] after = Files.readAllBytes(img);
        // outside the file's clusters: byte for byte as before
        for (long[] r : file.ranges()) {
            Arrays.fill(before, (int) r[0], (int) (r[0] + r[1]), (byte) 0);
            Arrays.fill(after, (int) r[0], (int) (r[0] + r[1]), (byte) 0);
        }
        assertArrayEquals(before, after);
    }

    @Test
    void aStaleReadOrAnotherLengthIsRefusedWithZeroBytesChanged() throws Exception {
        byte[] original = random(5000, 1);
        Path img = volume(12, 1_500, original);
        byte[] before = Files.readAllBytes(img);
        try (FileBlockDevice dev = FileBlockDevice.open(img, true)) {
            FatVolume v = FatVolume.open(dev);
            FatFile f = v.find(BCD).orElseThrow();
            byte[] stale = original.clone();
            stale[4000] ^= 1;
            IOException e = assertThrows(IOException.class, () -> v.overwrite(f, stale, random(5000, 2)));
            assertTrue(e.getMessage().contains("changed since it was read"), e.getMessage());
            assertThrows(FatFormatException.class, () -> v.overwrite(f, original, random(5001, 2)));
        }
        try (FileBlockDevice dev = FileBlockDevice.open(img, false)) {
            FatVolume v = FatVolume.open(dev);
            FatFile f = v.find(BCD).orElseThrow();
            IOException e = assertThrows(IOException.class, () -> v.overwrite(f, original, random(5000, 3)));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        }
        assertArrayEquals(before, Files.readAllBytes(img));
    }

    @Test
    void aFileCrossLinkedWithAnotherIsNeverWritten() throws Exception {
        byte[] original = random(5000, 1);
        Path img = volume(12, 1_500, original);
        byte[] raw = Files.readAllBytes(img);
        long bcdCluster;
        try (MemoryBlockDevice dev = new MemoryBlockDevice(raw.clone(), 512, true)) {
            bcdCluster = FatVolume.open(dev).find(BCD).orElseThrow().firstCluster();
        }
        // point bootx64.efi's directory entry at the BCD's first cluster, as a damaged FAT does
        int entry = indexOf(raw, "BOOTX64 EFI".getBytes(StandardCharsets.US_ASCII));
        assertTrue(entry > 0);
        raw[entry + 26] = (byte) bcdCluster;
        raw[entry + 27] = (byte) (bcdCluster >> 8);
        Path damaged = Files.write(tmp.resolve("damaged.img"), raw);
        try (FileBlockDevice dev = FileBlockDevice.open(damaged, true)) {
            FatVolume v = FatVolume.open(dev);
            assertTrue(v.problems().stream().anyMatch(p -> p.contains("cross-linked")), v.problems().toString());
            FatFormatException e = assertThrows(FatFormatException.class, () -> v.find(BCD));
            assertTrue(e.getMessage().contains("shares cluster"), e.getMessage());
        }
        assertArrayEquals(raw, Files.readAllBytes(damaged));
    }

    @Test
    void everyByteOfTheBootSectorFatAndDirectoriesMutatedIsReadOrRefusedInOneLine() throws Exception {
        Path img = volume(12, 200, "bcd".repeat(700).getBytes(StandardCharsets.US_ASCII));
        byte[] good = Files.readAllBytes(img);
        // metadata: boot sector, FATs and root directory, then the first directory clusters
        int metadata = 512 * 12;
        int[] values = {0x00, 0xFF, 0x80};
        int runs = 0;
        for (int at = 0; at < metadata; at++) {
            for (int value : values) {
                byte[] bad = good.clone();
                bad[at] = (byte) (value == 0x80 ? good[at] ^ 0x80 : value);
                Hostile.parseOrRefuse(() -> {
                    FatVolume v = FatVolume.open(new MemoryBlockDevice(bad, 512, true));
                    for (String p : List.of(BCD, "EFI/Boot/bootx64.efi", "EFI/Microsoft/Boot/Fichier de langue numéro 3.mui")) {
                        var f = v.find(p);
                        if (f.isPresent()) {
                            v.read(f.get(), 1 << 20);
                        }
                    }
                });
                runs++;
            }
        }
        assertEquals(metadata * values.length, runs);
    }

    @Test
    void aDirectoryLoopAndAnEndlessChainAreRefused() throws Exception {
        Path img = volume(16, 20_000, random(3000, 5));
        byte[] raw = Files.readAllBytes(img);
        long first;
        try (MemoryBlockDevice dev = new MemoryBlockDevice(raw.clone(), 512, true)) {
            first = FatVolume.open(dev).find(BCD).orElseThrow().firstCluster();
        }
        // the BCD's FAT16 entry points at itself: a loop
        int reserved = (raw[14] & 0xFF) | (raw[15] & 0xFF) << 8;
        int at = reserved * 512 + (int) first * 2;
        raw[at] = (byte) first;
        raw[at + 1] = (byte) (first >> 8);
        try (MemoryBlockDevice dev = new MemoryBlockDevice(raw, 512, true)) {
            FatVolume v = FatVolume.open(dev);
            FatFormatException e = assertThrows(FatFormatException.class, () -> v.find(BCD));
            assertTrue(e.getMessage().contains("loops"), e.getMessage());
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
