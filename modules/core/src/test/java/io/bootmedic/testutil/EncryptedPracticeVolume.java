package io.bootmedic.testutil;

import io.bootmedic.bitlocker.BitLockerBlockDevice;
import io.bootmedic.bitlocker.BitLockerMetadata;
import io.bootmedic.bitlocker.Unlocker;
import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.ntfs.NtfsFileTree;
import io.bootmedic.ntfs.NtfsVolume;
import io.bootmedic.practice.PracticeTree;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A BitLocker volume with a real NTFS practice tree inside: a copy of a Windows-made XTS-AES-128
 * volume (whose own contents are trimmed away) into which an NTFS made by mkntfs is written,
 * sector by sector, through bootmedic's encrypting layer. Password "anaconda".
 */
public final class EncryptedPracticeVolume {
    public static final String PASSWORD = "anaconda";
    public static final String RECOVERY_PASSWORD = "235818-357951-253979-013365-241120-245575-342914-591910";
    public static final String RECOVERY_KEY_ID = "64311DEA-4587-4029-924A-BA299647998E";

    private EncryptedPracticeVolume() {
    }

    public static Path make(Path dir) throws Exception {
        Path encrypted = dir.resolve("encrypted.img");
        Files.copy(BitLockerImages.image("aes-xts-128"), encrypted, StandardCopyOption.REPLACE_EXISTING);
        long size = Files.size(encrypted);
        Path plain = dir.resolve("plain.ntfs");
        Tools.ok("truncate", "-s", Long.toString(size), plain.toString());
        Tools.ok("mkntfs", "-F", "-f", "-Q", "-q", "-L", "Windows", plain.toString());
        try (FileBlockDevice dev = FileBlockDevice.open(plain, true); NtfsVolume vol = NtfsVolume.open(dev, true)) {
            PracticeTree.create(new NtfsFileTree(vol));
        }
        try (FileBlockDevice dev = FileBlockDevice.open(encrypted, true); RandomAccessFile in = new RandomAccessFile(plain.toFile(), "r")) {
            BitLockerMetadata md = BitLockerMetadata.read(dev);
            BitLockerBlockDevice layer = new BitLockerBlockDevice(dev, md, Unlocker.withPassword(md, PASSWORD.toCharArray()).fvek());
            byte[] block = new byte[4096];
            byte[] zeros = new byte[4096];
            for (long off = 0; off < size; off += block.length) {
                in.seek(off);
                in.readFully(block);
                // every sector is written, zeros too: the trimmed original holds zero ciphertext, not zero plaintext
                try {
                    layer.write(off, ByteBuffer.wrap(block));
                } catch (IOException inMetadataArea) {
                    if (!java.util.Arrays.equals(block, zeros)) {
                        throw new IOException("mkntfs put data into BitLocker's metadata area at " + off + "; the fixture cannot be built", inMetadataArea);
                    }
                }
            }
        }
        Files.delete(plain);
        return encrypted;
    }
}
