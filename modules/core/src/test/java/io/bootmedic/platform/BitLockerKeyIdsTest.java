package io.bootmedic.platform;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Key IDs from real BitLocker volumes made by Windows (cryptsetup's test images in shared/),
 * read through the same RawVolumeReader interface the Windows raw reader implements.
 */
public class BitLockerKeyIdsTest {
    @TempDir
    Path temp;
    static Path images;

    static Path shared() {
        String env = System.getenv("BOOTMEDIC_SHARED");
        return env != null ? Path.of(env, "testdata") : Path.of("..", "shared", "testdata");
    }

    @BeforeAll
    static void extract() throws Exception {
        images = BitLockerKeyIdsTestSupport.realImage("x").getParent();
    }

    /** A volume image read the way Win32RawVolumeReader reads a volume: aligned, exact length. */
    public static RawVolumeReader file(Path image) {
        return (volume, offset, length) -> {
            assertEquals(0, offset % 512, "raw Windows reads must be sector aligned");
            try (FileChannel ch = FileChannel.open(image)) {
                ByteBuffer buf = ByteBuffer.allocate(length);
                while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
                    // keep reading
                }
                return buf.array();
            }
        };
    }

    static List<String> ids(String image) throws IOException {
        return BitLockerKeyIds.recoveryPasswordIds(file(images.resolve(image + ".img")), image);
    }

    @Test
    void recoveryPasswordIdsOfRealVolumes() throws IOException {
        assertEquals(List.of("{64311DEA-4587-4029-924A-BA299647998E}"), ids("bitlk-aes-xts-128"));
        assertEquals(List.of("{3FD763F9-74C7-4E90-8FA2-1F6A2E2B4E0C}"), ids("bitlk-aes-cbc-128"));
        assertEquals(List.of("{69A49AD2-6A11-41B2-BB14-BDA04B1C97E1}"), ids("bitlk-aes-xts-128-4k"));
        assertEquals(List.of("{E76C7AB2-69B6-44C2-BA78-C227C7C1BD07}"), ids("bitlk-aes-xts-128-first-recovery"));
        assertEquals(List.of("{1F9DA098-0CC4-464D-A101-188E70F434A6}"), ids("bitlk-aes-xts-128-smart-card"));
    }

    @Test
    void twoRecoveryPasswordsBothNamed() throws IOException {
        List<String> two = ids("bitlk-aes-xts-128-two-recovery");
        assertEquals(2, two.size(), two.toString());
        assertTrue(two.contains("{E7E48BAE-FF13-4F14-8222-971D469FAE0D}") && two.contains("{B7ADC334-FE6D-4AE4-B5C4-1C1D0DBC335B}"), two.toString());
    }

    @Test
    void damagedMetadataCopiesAreSkippedByCrc() throws IOException {
        // blocks 1 and 2 are deliberately corrupt in this image; only block 3 is intact
        assertEquals(List.of("{64311DEA-4587-4029-924A-BA299647998E}"), ids("bitlk-aes-xts-128-crc"));
    }

    @Test
    void bitLockerToGoAndClearKeyOnly() throws IOException {
        assertEquals(List.of("{7B15C1AF-DEFA-4A3F-A89F-45B93812337E}"), ids("bitlk-togo-aes-cbc-128"));
        assertEquals(List.of(), ids("bitlk-aes-xts-128-clearkey-only"), "no recovery password protector");
    }

    @Test
    void corruptCopiesEverywhereGiveAClearError() throws IOException {
        Path broken = temp.resolve("broken.img");
        Files.copy(images.resolve("bitlk-aes-xts-128-crc.img"), broken, StandardCopyOption.REPLACE_EXISTING);
        // damage the one intact copy too: flip a byte inside metadata block 3
        byte[] boot = file(broken).read("x", 0, 512);
        long third = ByteBuffer.wrap(boot).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0xC0);
        try (FileChannel ch = FileChannel.open(broken, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x55}), third + 200);
        }
        IOException e = assertThrows(IOException.class, () -> BitLockerKeyIds.recoveryPasswordIds(file(broken), "D:"));
        assertTrue(e.getMessage().contains("CRC-32 mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains("recovery screen"), e.getMessage());
    }

    @Test
    void plainVolumeIsRejected() {
        byte[] ntfs = new byte[4096];
        System.arraycopy("NTFS    ".getBytes(), 0, ntfs, 3, 8);
        assertFalse(BitLockerKeyIds.isBitLocker(ntfs));
        IOException e = assertThrows(IOException.class, () -> BitLockerKeyIds.recoveryPasswordIds((v, o, l) -> ntfs.clone(), "C:"));
        assertTrue(e.getMessage().contains("not a BitLocker volume"));
    }

    @Test
    void offsetsPointingOutsideAreRejected() {
        byte[] boot = new byte[4096];
        System.arraycopy("-FVE-FS-".getBytes(), 0, boot, 3, 8);
        ByteBuffer.wrap(boot).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0xB0, -5).putLong(0xB8, 1L << 60).putLong(0xC0, 0);
        IOException e = assertThrows(IOException.class, () -> BitLockerKeyIds.recoveryPasswordIds((v, o, l) -> {
            if (o != 0) {
                throw new IOException("must not read at " + o);
            }
            return boot.clone();
        }, "D:"));
        assertTrue(e.getMessage().contains("outside the volume"), e.getMessage());
    }
}
