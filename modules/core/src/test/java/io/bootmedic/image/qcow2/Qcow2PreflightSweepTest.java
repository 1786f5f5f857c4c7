package io.bootmedic.image.qcow2;

import io.bootmedic.format.FormatException;
import io.bootmedic.image.ImageOpener;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.testutil.Tools;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Differential test of the write path against qemu-img, over a sweep of every metadata field of
 * real qemu-made images (header, L1, L2, refcount table, refcount blocks, snapshot table and a
 * snapshot's L1 table), each set to hostile values: 0, -1, past the end of the file, onto other
 * metadata (the L1 table, the refcount table, an L2 table, itself), unaligned, huge. The oracle:
 * <ul>
 * <li>where qemu-img cannot open the damaged image or its check finds corruption, bootmedic must
 * refuse to write, with a message, and the file must be byte-identical afterwards;</li>
 * <li>where bootmedic refuses, the file is byte-identical;</li>
 * <li>where bootmedic writes, {@code qemu-img check} finds no corruption afterwards and
 * {@code qemu-img compare} against qemu's own reading of the input with the same writes applied
 * shows no difference.</li>
 * </ul>
 */
class Qcow2PreflightSweepTest {
    private static final long COPIED = 1L << 63;
    @TempDir
    static Path tmp;
    static byte[] snapshotted;
    static byte[] plainV2;

    @BeforeAll
    static void seeds() throws Exception {
        Path a = tmp.resolve("a.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=1.1,cluster_size=512", a.toString(), "2M");
        Tools.ok("qemu-io", "-c", "write -P 0x61 0 3k", "-c", "write -P 0x62 1M 1k", a.toString());
        Tools.ok("qemu-img", "snapshot", "-c", "before", a.toString());
        Tools.ok("qemu-io", "-c", "write -P 0x63 1k 1k", "-c", "write -P 0x64 40k 512", a.toString());
        snapshotted = Files.readAllBytes(a);
        Path b = tmp.resolve("b.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=0.10,cluster_size=4096", b.toString(), "8M");
        Tools.ok("qemu-io", "-c", "write -P 0x71 0 9k", "-c", "write -P 0x72 5M 4k", b.toString());
        plainV2 = Files.readAllBytes(b);
    }

    /** A field to damage: where, how wide, what it is. */
    record Field(int offset, int width, String what) {
    }

    static List<Field> fields(byte[] image) {
        ByteBuffer b = ByteBuffer.wrap(image);
        int cs = 1 << b.getInt(20);
        List<Field> f = new ArrayList<>();
        for (int[] h : new int[][] {{8, 8}, {16, 4}, {24, 8}, {36, 4}, {40, 8}, {48, 8}, {56, 4}, {60, 4}, {64, 8}, {88, 8}}) {
            f.add(new Field(h[0], h[1], "header@" + h[0]));
        }
        long l1 = b.getLong(40);
        int l1Size = b.getInt(36);
        List<Long> l2s = new ArrayList<>();
        for (int i = 0; i < l1Size; i++) {
            long e = b.getLong((int) (l1 + 8L * i));
            if (e != 0 || i < 2) {
                f.add(new Field((int) (l1 + 8L * i), 8, "L1[" + i + "]"));
            }
            if ((e & 0x00FF_FFFF_FFFF_FE00L) != 0) {
                l2s.add(e & 0x00FF_FFFF_FFFF_FE00L);
            }
        }
        for (long t : l2s.subList(0, Math.min(2, l2s.size()))) {
            int zeros = 0;
            for (int i = 0; i < cs / 8; i++) {
                long e = b.getLong((int) (t + 8L * i));
                if (e != 0 || zeros++ < 2) {
                    f.add(new Field((int) (t + 8L * i), 8, "L2@" + t + "[" + i + "]"));
                }
            }
        }
        long rt = b.getLong(48);
        for (int i = 0; i < 3; i++) {
            f.add(new Field((int) (rt + 8L * i), 8, "reftable[" + i + "]"));
        }
        long block = b.getLong((int) rt);
        int width = 2; // refcount_bits=16 in both seeds
        for (int i = 0; i < 12; i++) {
            f.add(new Field((int) (block + (long) width * i), width, "refblock[" + i + "]"));
        }
        if (b.getInt(60) > 0) {
            int st = (int) b.getLong(64);
            f.add(new Field(st, 8, "snapshot L1 offset"));
            f.add(new Field(st + 8, 4, "snapshot L1 size"));
            f.add(new Field(st + 12, 2, "snapshot id length"));
            f.add(new Field(st + 14, 2, "snapshot name length"));
            f.add(new Field(st + 36, 4, "snapshot extra data size"));
            long sl1 = b.getLong(st);
            f.add(new Field((int) sl1, 8, "snapshot L1[0]"));
        }
        return f;
    }

    static Set<Long> values(byte[] image, Field field) {
        ByteBuffer b = ByteBuffer.wrap(image);
        long cs = 1L << b.getInt(20);
        long original = read(image, field);
        Set<Long> v = new LinkedHashSet<>();
        v.add(0L);
        v.add(-1L);
        v.add(original + 1);
        if (field.width() == 8) {
            long end = (image.length + cs - 1) / cs * cs;
            v.add(end | COPIED);                         // past the end of the file
            v.add((end + 1000 * cs) | COPIED);
            v.add(b.getLong(40) | COPIED);               // onto the L1 table
            v.add(b.getLong(48) | COPIED);               // onto the refcount table
            v.add((field.offset() / cs * cs) | COPIED);  // onto the structure that holds the field itself
            v.add((original & ~COPIED) + 8);             // unaligned
            v.add(original ^ COPIED);                    // the COPIED flag flipped
            v.add((1L << 55) | COPIED);                  // huge
        } else {
            v.add(field.width() == 2 ? 0xFFFFL : 0xFFFF_FFFFL);
            v.add(original * 2 + 2);
        }
        return v;
    }

    static long read(byte[] image, Field f) {
        ByteBuffer b = ByteBuffer.wrap(image);
        return switch (f.width()) {
            case 8 -> b.getLong(f.offset());
            case 4 -> b.getInt(f.offset()) & 0xFFFF_FFFFL;
            default -> b.getShort(f.offset()) & 0xFFFFL;
        };
    }

    static byte[] mutate(byte[] image, Field f, long value) {
        byte[] m = image.clone();
        ByteBuffer b = ByteBuffer.wrap(m);
        switch (f.width()) {
            case 8 -> b.putLong(f.offset(), value);
            case 4 -> b.putInt(f.offset(), (int) value);
            default -> b.putShort(f.offset(), (short) value);
        }
        return m;
    }

    @Test
    void everyMetadataFieldOfASnapshottedImage() throws Exception {
        sweep("snap", snapshotted);
    }

    @Test
    void everyMetadataFieldOfAVersion2Image() throws Exception {
        sweep("v2", plainV2);
    }

    private void sweep(String seedName, byte[] seed) throws Exception {
        int refused = 0;
        int written = 0;
        int qemuRejected = 0;
        List<String> wrong = new ArrayList<>();
        int n = 0;
        for (Field f : fields(seed)) {
            for (long value : values(seed, f)) {
                byte[] m = mutate(seed, f, value);
                if (java.util.Arrays.equals(m, seed)) {
                    continue;
                }
                String label = f.what() + "=" + Long.toHexString(value);
                Path image = tmp.resolve(seedName + "-" + n++ + ".qcow2");
                Files.write(image, m);
                Tools.Result check = Tools.run(List.of("qemu-img", "check", "-q", "-f", "qcow2", image.toString()));
                // 0 clean, 3 leaks only (harmless); 1 cannot open, 2 corrupt: bootmedic must refuse those
                boolean qemuAccepts = check.exit() == 0 || check.exit() == 3;
                Path expected = tmp.resolve("expected.raw");
                Files.deleteIfExists(expected);
                if (qemuAccepts) {
                    Tools.Result convert = Tools.run(List.of("qemu-img", "convert", "-f", "qcow2", "-O", "raw", image.toString(), expected.toString()));
                    qemuAccepts = convert.exit() == 0;
                }
                if (!qemuAccepts) {
                    qemuRejected++;
                }
                String before = TreeSnapshot.sha256(image);
                boolean wrote;
                try (BlockDevice d = ImageOpener.open(image, true)) {
                    applyWrites(d, null);
                    wrote = true;
                } catch (FormatException e) {
                    assertTrue(e.getMessage() != null && e.getMessage().contains(image.toString()), label + ": " + e.getMessage());
                    assertEquals(before, TreeSnapshot.sha256(image), label + ": a refusal changed the image (" + e.getMessage() + ")");
                    refused++;
                    continue;
                } catch (RuntimeException e) {
                    fail(label + ": " + e, e);
                    return;
                }
                written++;
                if (!qemuAccepts) {
                    wrong.add(label + ": qemu-img refuses or finds corruption (" + check.out().strip().replace('\n', ' ') + ") but bootmedic wrote");
                    continue;
                }
                Tools.Result after = Tools.run(List.of("qemu-img", "check", "-q", "-f", "qcow2", image.toString()));
                if (after.exit() != 0 && after.exit() != 3) {
                    wrong.add(label + ": after the write qemu-img check says " + after.out().strip().replace('\n', ' '));
                    continue;
                }
                try (RandomAccessFile raw = new RandomAccessFile(expected.toFile(), "rw")) {
                    applyWrites(null, raw);
                }
                Tools.Result compare = Tools.run(List.of("qemu-img", "compare", "-f", "qcow2", "-F", "raw", image.toString(), expected.toString()));
                if (compare.exit() != 0) {
                    wrong.add(label + ": qemu-img compare: " + compare.out().strip());
                }
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + n + " cases went wrong:\n" + String.join("\n", wrong));
        assertTrue(refused > 20 && written > 10 && qemuRejected > 10, "refused " + refused + ", written " + written + ", qemu rejected " + qemuRejected);
    }

    /** The same writes to bootmedic's device or to qemu's raw reading: an allocated cluster, an empty one, one across a boundary. */
    private static void applyWrites(BlockDevice d, RandomAccessFile raw) throws Exception {
        Random r = new Random(7);
        for (long at : new long[] {100, 1 << 20 | 300, 40 * 1024 - 10, 1536 * 1024}) {
            byte[] data = new byte[700];
            r.nextBytes(data);
            if (d != null) {
                if (at + data.length <= d.size()) {
                    d.write(at, ByteBuffer.wrap(data));
                }
            } else if (at + data.length <= raw.length()) {
                raw.seek(at);
                raw.write(data);
            }
        }
    }
}
