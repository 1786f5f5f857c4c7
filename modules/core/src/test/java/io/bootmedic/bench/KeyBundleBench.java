package io.bootmedic.bench;

import io.bootmedic.keys.KeyBundle;
import io.bootmedic.keys.KeyId;
import io.bootmedic.keys.KeyRecord;
import io.bootmedic.keys.KeyStore;
import io.bootmedic.keys.RecoveryPassword;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/** Figures for scripts/bench/keys-bundle.sh: open + decrypt + find in a bundle of N keys (default 100,000), with the default Argon2id cost. */
public final class KeyBundleBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Random random = new Random(1);
        List<KeyRecord> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder rp = new StringBuilder();
            for (int g = 0; g < 8; g++) {
                rp.append(g == 0 ? "" : "-").append(String.format(Locale.ROOT, "%06d", random.nextInt(65536) * 11));
            }
            String id = String.format(Locale.ROOT, "%08X-%04X-%04X-%04X-%012X", random.nextInt(), random.nextInt(65536), random.nextInt(65536),
                    random.nextInt(65536), random.nextLong() & 0xFFFFFFFFFFFFL);
            records.add(new KeyRecord(KeyId.parse(id), RecoveryPassword.parse(rp), "PC-" + i, "bench"));
        }
        Path file = Files.createTempFile("bench", ".bmk");
        char[] pass = "a bench passphrase".toCharArray();
        KeyBundle.write(file, records, pass, KeyBundle.KdfParams.DEFAULT);
        String wanted = records.get(n / 2).id().guid();
        long[] times = new long[5];
        for (int i = 0; i < times.length; i++) {
            long t = System.nanoTime();
            KeyStore store = KeyBundle.open(file, pass);
            if (store.find(wanted).isEmpty()) {
                throw new AssertionError("key not found");
            }
            times[i] = System.nanoTime() - t;
        }
        java.util.Arrays.sort(times);
        System.out.printf("key bundle, %d keys (%d KiB), Argon2id %s: open + decrypt + find median %.0f ms (fastest %.0f ms)%n",
                n, Files.size(file) / 1024, KeyBundle.KdfParams.DEFAULT, times[2] / 1e6, times[0] / 1e6);
        Files.delete(file);
    }
}
