package io.bootmedic.bench;

import io.bootmedic.testutil.BitLockerVolumeBuilder;
import io.bootmedic.testutil.BitLockerVolumeBuilder.Built;
import io.bootmedic.testutil.BitLockerVolumeBuilder.Method;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * For scripts/bench/fix-image.sh and bitlocker.sh: encrypts a plain NTFS partition image into a
 * BitLocker volume (XTS-AES-128, one recovery-password protector, metadata clusters reserved in
 * $Bitmap as Windows does) with {@link BitLockerVolumeBuilder}, and writes its recovery password
 * twice, never on a command line: as a key export (KeyID,RecoveryPassword CSV, for bootmedic's
 * --key-file) and alone on one line (for libguestfs' --key ID:file:FILE and bdeinfo).
 * Usage: BitLockerDisk PLAIN_NTFS OUT_VOLUME KEYS_CSV PASSWORD_FILE
 */
public final class BitLockerDisk {
    private BitLockerDisk() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: BitLockerDisk PLAIN_NTFS OUT_VOLUME KEYS_CSV PASSWORD_FILE");
            System.exit(2);
        }
        String rp = BitLockerVolumeBuilder.randomRecoveryPassword(new Random(291));
        Built built = BitLockerVolumeBuilder.around(Path.of(args[0])).recoveryPassword(rp).method(Method.XTS_AES_128)
                .reserveMetadataClusters().seed(291).description("BENCH-PC C: 1/12/2026").build(Path.of(args[1]));
        Files.writeString(Path.of(args[2]), "KeyID,RecoveryPassword\n" + built.recoveryKeyId() + "," + rp + "\n", StandardCharsets.US_ASCII);
        // no newline: cryptsetup (under libguestfs' file: selector) would take it as part of the passphrase
        Files.writeString(Path.of(args[3]), rp, StandardCharsets.US_ASCII);
        System.out.println(built.method().windowsName + " volume, recovery key ID " + built.recoveryKeyId());
    }
}
