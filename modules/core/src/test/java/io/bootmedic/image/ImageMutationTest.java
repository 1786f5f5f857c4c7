package io.bootmedic.image;

import io.bootmedic.format.FormatException;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.partition.Partition;
import io.bootmedic.image.partition.PartitionTable;
import io.bootmedic.image.vhd.VhdBlockDevice;
import io.bootmedic.image.vhdx.VhdxBlockDevice;
import io.bootmedic.testutil.Hostile;
import io.bootmedic.testutil.MemoryBlockDevice;
import io.bootmedic.testutil.MemoryImageFile;
import io.bootmedic.testutil.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutation tests for the image layer's parsers, on tool-made images (sgdisk, sfdisk, qemu-img,
 * qemu-io): each header field flipped, zeroed and set to all ones with its checksum recomputed (so
 * the field's own check is reached), truncation at each structure boundary, one copy damaged at a
 * time. Only a FormatException may escape, the input never changes, and where a good copy remains
 * the answer is the same as for the undamaged image.
 */
class ImageMutationTest {
    @TempDir
    static Path tmp;
    static byte[] gpt;
    static byte[] mbr;
    static byte[] vhd;
    static byte[] vhdx;

    @BeforeAll
    static void images() throws Exception {
        Path g = tmp.resolve("gpt.img");
        Tools.ok("truncate", "-s", "1M", g.toString());
        Tools.ok("sgdisk", "-n", "1:34:+256K", "-t", "1:ef00", "-n", "2:0:0", "-t", "2:0700", g.toString());
        gpt = Files.readAllBytes(g);

        Path m = tmp.resolve("mbr.img");
        Tools.ok("truncate", "-s", "2M", m.toString());
        Path layout = Files.writeString(tmp.resolve("l.sfdisk"), "label: dos\nstart=64, size=512, type=c\nstart=1024, type=5\n"
                + "start=1088, size=256, type=7\nstart=1408, size=256, type=83\n");
        Tools.ok("bash", "-c", "sfdisk --no-reread --no-tell-kernel " + m + " < " + layout);
        mbr = Files.readAllBytes(m);

        Path v = tmp.resolve("d.vhd");
        Tools.ok("qemu-img", "create", "-q", "-f", "vpc", v.toString(), "8M");
        Tools.ok("qemu-io", "-f", "vpc", "-c", "write -P 0x5a 2M 4k", v.toString());
        vhd = Files.readAllBytes(v);

        Path x = tmp.resolve("d.vhdx");
        Tools.ok("qemu-img", "create", "-q", "-f", "vhdx", "-o", "block_size=1M", x.toString(), "8M");
        Tools.ok("qemu-io", "-f", "vhdx", "-c", "write -P 0x5a 1M 4k", x.toString());
        vhdx = Files.readAllBytes(x);
    }

    /** A field: where it is and how wide. */
    record Field(String name, int at, int width) {
    }

    /** The three mutations of a field. */
    static List<Consumer<byte[]>> mutations(Field f, int base) {
        return List.of(
                b -> b[base + f.at()] ^= (byte) 0xFF,
                b -> Arrays.fill(b, base + f.at(), base + f.at() + f.width(), (byte) 0),
                b -> Arrays.fill(b, base + f.at(), base + f.at() + f.width(), (byte) 0xFF));
    }

    // ---------- GPT ----------

    static final List<Field> GPT_HEADER = List.of(new Field("Signature", 0, 8), new Field("Revision", 8, 4), new Field("HeaderSize", 12, 4),
            new Field("Reserved", 20, 4), new Field("MyLBA", 24, 8), new Field("AlternateLBA", 32, 8), new Field("FirstUsableLBA", 40, 8),
            new Field("LastUsableLBA", 48, 8), new Field("DiskGUID", 56, 16), new Field("PartitionEntryLBA", 72, 8),
            new Field("NumberOfPartitionEntries", 80, 4), new Field("SizeOfPartitionEntry", 84, 4));
    static final List<Field> GPT_ENTRY = List.of(new Field("PartitionTypeGUID", 0, 16), new Field("StartingLBA", 32, 8),
            new Field("EndingLBA", 40, 8), new Field("Attributes", 48, 8), new Field("PartitionName", 56, 72));

    private static PartitionTable.Result read(byte[] disk) throws IOException {
        MemoryBlockDevice d = new MemoryBlockDevice(disk);
        PartitionTable.Result r = PartitionTable.read(d);
        assertFalse(d.written());
        return r;
    }

    /** Only a FormatException may escape; the bytes are unchanged afterwards. Returns the result or null. */
    private static PartitionTable.Result readOrRefuse(byte[] disk) {
        byte[] before = disk.clone();
        PartitionTable.Result[] out = new PartitionTable.Result[1];
        Hostile.parseOrRefuse(() -> out[0] = read(disk));
        assertArrayEquals(before, disk, "a parse never changes its input");
        return out[0];
    }

    @Test
    void gptPrimaryHeaderFieldsMutatedWithTheirCrcFixedFallBackToTheBackup() throws Exception {
        List<Partition> expected = read(gpt.clone()).partitions();
        assertEquals(2, expected.size());
        for (Field f : GPT_HEADER) {
            for (Consumer<byte[]> m : mutations(f, 512)) {
                byte[] disk = gpt.clone();
                m.accept(disk);
                byte[] header = Arrays.copyOfRange(disk, 512, 1024);
                if (!f.name().equals("HeaderSize")) {
                    DiskPatch.gptHeaderCrc(header);
                }
                System.arraycopy(header, 0, disk, 512, 512);
                PartitionTable.Result r = readOrRefuse(disk);
                assertEquals(expected, r == null ? null : r.partitions(), "one damaged copy: the backup gives the same partitions (" + f.name() + ")");
            }
        }
    }

    @Test
    void gptBackupHeaderFieldsMutatedLeaveTheGoodPrimaryInCharge() throws Exception {
        List<Partition> expected = read(gpt.clone()).partitions();
        int backup = gpt.length - 512;
        for (Field f : GPT_HEADER) {
            for (Consumer<byte[]> m : mutations(f, backup)) {
                byte[] disk = gpt.clone();
                m.accept(disk);
                PartitionTable.Result r = readOrRefuse(disk);
                assertEquals(expected, r.partitions());
                assertTrue(r.warnings().isEmpty());
            }
        }
    }

    @Test
    void gptEntryFieldsMutatedInBothCopiesAreReadOrRefused() {
        for (int entry = 0; entry < 3; entry++) {
            for (Field f : GPT_ENTRY) {
                for (int kind = 0; kind < 3; kind++) {
                    byte[] disk = gpt.clone();
                    int e = entry * 128;
                    int k = kind;
                    for (long lba : new long[]{1, gpt.length / 512 - 1}) {
                        DiskPatch.gpt(disk, lba, 512, a -> {
                            byte[] b = new byte[a.capacity()];
                            a.get(0, b);
                            mutations(f, e).get(k).accept(b);
                            a.put(0, b);
                        }, h -> { });
                    }
                    readOrRefuse(disk);
                }
            }
        }
    }

    @Test
    void gptHeaderFieldsMutatedInBothCopiesAreReadOrRefused() {
        for (Field f : GPT_HEADER) {
            for (int kind = 0; kind < 3; kind++) {
                byte[] disk = gpt.clone();
                for (int at : new int[]{512, gpt.length - 512}) {
                    mutations(f, at).get(kind).accept(disk);
                    byte[] h = Arrays.copyOfRange(disk, at, at + 512);
                    DiskPatch.gptHeaderCrc(h);
                    System.arraycopy(h, 0, disk, at, 512);
                }
                readOrRefuse(disk);
            }
        }
    }

    @Test
    void gptTruncatedAtEachBoundaryIsRefusedOrRead() {
        int entriesEnd = 1024 + 128 * 128;
        for (int cut : new int[]{0, 1, 511, 512, 513, 1023, 1024, 1025, entriesEnd - 1, entriesEnd, gpt.length / 2, gpt.length - 512 - 16384,
                gpt.length - 513, gpt.length - 512, gpt.length - 1}) {
            readOrRefuse(Arrays.copyOf(gpt, cut));
        }
    }

    @Test
    void gptForFourKSectorsIsFoundAtByte4096() throws Exception {
        // the same layout as sgdisk made it, re-expressed in 4096-byte sectors: header at LBA 1 (byte 4096)
        byte[] disk = new byte[8 << 20];
        System.arraycopy(gpt, 0, disk, 0, 512);
        int sectors = disk.length / 4096;
        ByteBuffer h = DiskPatch.le(Arrays.copyOfRange(gpt, 512, 1024));
        for (long lba : new long[]{1, sectors - 1}) {
            ByteBuffer c = DiskPatch.le(h.array().clone());
            c.putLong(24, lba).putLong(32, lba == 1 ? sectors - 1 : 1).putLong(40, 6).putLong(48, sectors - 6).putLong(72, lba == 1 ? 2 : sectors - 5);
            byte[] entries = new byte[16384];
            System.arraycopy(gpt, 1024, entries, 0, 256);
            DiskPatch.le(entries).putLong(32, 8).putLong(40, 71).putLong(128 + 32, 72).putLong(128 + 40, sectors - 6);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(entries);
            c.putInt(88, (int) crc.getValue());
            byte[] header = c.array();
            DiskPatch.gptHeaderCrc(header);
            System.arraycopy(header, 0, disk, (int) lba * 4096, 512);
            System.arraycopy(entries, 0, disk, (int) c.getLong(72) * 4096, entries.length);
        }
        assertEquals(read(disk), PartitionTable.read(new MemoryBlockDevice(disk, 4096, true)), "an image and a 4K device read alike");
        PartitionTable.Result r = read(disk);
        assertEquals(4096, r.sectorSize());
        assertEquals(8 * 4096, r.partitions().get(0).start());
        assertEquals((sectors - 6 - 72 + 1) * 4096L, r.partitions().get(1).length());
        assertTrue(r.warnings().isEmpty());
    }

    @Test
    void gptLbaNear2To55IsRefusedAtTheEntry() {
        byte[] disk = gpt.clone();
        for (long lba : new long[]{1, gpt.length / 512 - 1}) {
            DiskPatch.gpt(disk, lba, 512, e -> e.putLong(128 + 32, e.getLong(128 + 32) + (1L << 55)).putLong(128 + 40, e.getLong(128 + 40) + (1L << 55)),
                    h -> { });
        }
        FormatException e = assertThrows(FormatException.class, () -> read(disk));
        assertTrue(e.getMessage().contains("GPT partition 2"), e.getMessage());
    }

    // ---------- MBR ----------

    @Test
    void mbrWithLogicalPartitionsIsReadAsSfdiskLaidItOut() throws Exception {
        PartitionTable.Result r = read(mbr.clone());
        assertEquals("mbr", r.scheme());
        assertEquals(List.of(1, 5, 6), r.partitions().stream().map(Partition::index).toList());
        assertEquals(1088 * 512L, r.partitions().get(1).start());
    }

    @Test
    void mbrAndEbrEntryBytesMutatedAreReadOrRefused() throws Exception {
        List<Integer> ebrs = List.of(1024 * 512, 1344 * 512);
        List<Integer> tables = new java.util.ArrayList<>(List.of(0));
        tables.addAll(ebrs);
        for (int table : tables) {
            for (int i = 0x1BE; i < 0x200; i++) {
                for (int kind = 0; kind < 3; kind++) {
                    byte[] disk = mbr.clone();
                    mutations(new Field("byte", i, 1), table).get(kind).accept(disk);
                    readOrRefuse(disk);
                }
            }
        }
        byte[] loop = mbr.clone();
        // the second EBR's "next" points back at the first: a loop
        DiskPatch.le(loop).putInt(1344 * 512 + 0x1CE + 8, 0);
        DiskPatch.le(loop).put(1344 * 512 + 0x1CE + 4, (byte) 5);
        DiskPatch.le(loop).putInt(1344 * 512 + 0x1CE + 8, 1);
        readOrRefuse(loop);
    }

    @Test
    void mbrTruncatedAtEachBoundaryIsRefusedOrRead() {
        for (int cut : new int[]{511, 512, 64 * 512, 1024 * 512, 1024 * 512 + 511, 1088 * 512, 1344 * 512 + 100, 1408 * 512, mbr.length - 1}) {
            readOrRefuse(Arrays.copyOf(mbr, cut));
        }
    }

    // ---------- VHD ----------

    static final List<Field> VHD_FOOTER = List.of(new Field("Cookie", 0, 8), new Field("Features", 8, 4), new Field("Version", 12, 4),
            new Field("DataOffset", 16, 8), new Field("TimeStamp", 24, 4), new Field("CreatorApp", 28, 4), new Field("OriginalSize", 40, 8),
            new Field("CurrentSize", 48, 8), new Field("Geometry", 56, 4), new Field("DiskType", 60, 4), new Field("UniqueId", 68, 16),
            new Field("SavedState", 84, 1));
    static final List<Field> VHD_HEADER = List.of(new Field("Cookie", 0, 8), new Field("DataOffset", 8, 8), new Field("TableOffset", 16, 8),
            new Field("HeaderVersion", 24, 4), new Field("MaxTableEntries", 28, 4), new Field("BlockSize", 32, 4),
            new Field("ParentUniqueId", 40, 16));

    /** Opens the image and reads all of it; only a FormatException may escape; the bytes stay as they were. Returns what it read. */
    private static byte[] openAndRead(byte[] image, boolean vhdxFormat) {
        byte[] before = image.clone();
        byte[][] out = new byte[1][];
        Hostile.parseOrRefuse(() -> {
            MemoryImageFile f = new MemoryImageFile(image);
            BlockDevice d = vhdxFormat ? VhdxBlockDevice.open(f) : VhdBlockDevice.open(f);
            out[0] = d.read(0, (int) Math.min(d.size(), 16 << 20));
        });
        assertArrayEquals(before, image, "opening never changes the image");
        return out[0];
    }

    @Test
    void vhdTrailingFooterMutatedFallsBackToTheCopy() {
        byte[] expected = openAndRead(vhd.clone(), false);
        assertEquals(0x5a, expected[2 << 20]);
        int end = vhd.length - 512;
        for (Field f : VHD_FOOTER) {
            for (Consumer<byte[]> m : mutations(f, end)) {
                byte[] image = vhd.clone();
                m.accept(image); // checksum not fixed: the trailing footer is damaged, the copy at 0 is good
                assertArrayEquals(expected, openAndRead(image, false), f.name());
            }
        }
    }

    @Test
    void vhdFooterFieldsMutatedInBothCopiesWithTheChecksumFixedAreReadOrRefused() {
        for (Field f : VHD_FOOTER) {
            for (int kind = 0; kind < 3; kind++) {
                byte[] image = vhd.clone();
                for (int at : new int[]{0, vhd.length - 512}) {
                    mutations(f, at).get(kind).accept(image);
                    byte[] footer = Arrays.copyOfRange(image, at, at + 512);
                    DiskPatch.vhdChecksum(footer, 64);
                    System.arraycopy(footer, 0, image, at, 512);
                }
                openAndRead(image, false);
            }
        }
    }

    @Test
    void vhdDynamicHeaderAndBatMutatedAreReadOrRefused() {
        int headerAt = (int) ByteBuffer.wrap(vhd, vhd.length - 512 + 16, 8).getLong();
        for (Field f : VHD_HEADER) {
            for (int kind = 0; kind < 3; kind++) {
                byte[] image = vhd.clone();
                mutations(f, headerAt).get(kind).accept(image);
                byte[] header = Arrays.copyOfRange(image, headerAt, headerAt + 1024);
                DiskPatch.vhdChecksum(header, 36);
                System.arraycopy(header, 0, image, headerAt, 1024);
                openAndRead(image, false);
            }
        }
        int bat = (int) ByteBuffer.wrap(vhd, headerAt + 16, 8).getLong();
        for (int entry = 0; entry < 4; entry++) {
            for (int value : new int[]{0, 1, 3, 0x7FFFFFFF, 0xFFFFFFFE, vhd.length / 512 - 1}) {
                byte[] image = vhd.clone();
                ByteBuffer.wrap(image).putInt(bat + 4 * entry, value);
                openAndRead(image, false);
            }
        }
    }

    @Test
    void vhdTruncatedAtEachBoundaryIsRefused() {
        for (int cut : new int[]{511, 512, 1024, 1536, 2048, 3584, 4096, vhd.length / 2, vhd.length - 513, vhd.length - 512, vhd.length - 1}) {
            byte[] image = Arrays.copyOf(vhd, cut);
            byte[] before = image.clone();
            assertThrows(FormatException.class, () -> {
                MemoryImageFile f = new MemoryImageFile(image);
                VhdBlockDevice.open(f).read(0, 8 << 20);
            }, "cut at " + cut);
            assertArrayEquals(before, image);
        }
    }

    // ---------- VHDX ----------

    static final List<Field> VHDX_HEADER = List.of(new Field("Signature", 0, 4), new Field("SequenceNumber", 8, 8),
            new Field("FileWriteGuid", 16, 16), new Field("DataWriteGuid", 32, 16), new Field("LogGuid", 48, 16), new Field("LogVersion", 64, 2),
            new Field("Version", 66, 2), new Field("LogLength", 68, 4), new Field("LogOffset", 72, 8));
    static final List<Field> VHDX_REGIONS = List.of(new Field("Signature", 0, 4), new Field("EntryCount", 8, 4),
            new Field("BAT Guid", 16, 16), new Field("BAT FileOffset", 32, 8), new Field("BAT Length", 40, 4), new Field("BAT Required", 44, 4),
            new Field("Meta Guid", 48, 16), new Field("Meta FileOffset", 64, 8), new Field("Meta Length", 72, 4));
    static final int META = 3 << 20;
    static final List<Field> VHDX_METADATA = List.of(new Field("Signature", 0, 8), new Field("EntryCount", 10, 2),
            new Field("Item1 Guid", 32, 16), new Field("Item1 Offset", 48, 4), new Field("Item1 Length", 52, 4), new Field("Item1 Flags", 56, 4),
            new Field("Item2 Offset", 80, 4), new Field("Item2 Length", 84, 4), new Field("Item4 Offset", 144, 4), new Field("Item4 Length", 148, 4),
            new Field("BlockSize", 65536, 4), new Field("FileParameterFlags", 65540, 4), new Field("VirtualDiskSize", 65544, 8),
            new Field("LogicalSectorSize", 65568, 4));

    private static void fixCrc(byte[] image, int at, int size) {
        byte[] s = Arrays.copyOfRange(image, at, at + size);
        DiskPatch.vhdxCrc(s);
        System.arraycopy(s, 0, image, at, size);
    }

    @Test
    void vhdxOneHeaderOrOneRegionTableDamagedAtATimeStillReads() {
        byte[] expected = openAndRead(vhdx.clone(), true);
        assertEquals(0x5a, expected[1 << 20]);
        for (int at : new int[]{64 << 10, 128 << 10, 192 << 10, 256 << 10}) {
            for (Field f : at < (192 << 10) ? VHDX_HEADER : VHDX_REGIONS) {
                for (Consumer<byte[]> m : mutations(f, at)) {
                    byte[] image = vhdx.clone();
                    m.accept(image); // CRC not fixed: this copy is damaged, the other is good
                    byte[] read = openAndRead(image, true);
                    if (!f.name().equals("LogGuid") || read != null) {
                        assertArrayEquals(expected, read, f.name() + " at " + at);
                    }
                }
            }
        }
    }

    @Test
    void vhdxHeaderAndRegionFieldsMutatedWithTheCrcFixedAreReadOrRefused() {
        for (int at : new int[]{64 << 10, 128 << 10, 192 << 10, 256 << 10}) {
            boolean header = at < (192 << 10);
            for (Field f : header ? VHDX_HEADER : VHDX_REGIONS) {
                for (Consumer<byte[]> m : mutations(f, at)) {
                    byte[] image = vhdx.clone();
                    m.accept(image);
                    fixCrc(image, at, header ? 4096 : 65536);
                    openAndRead(image, true);
                    // both copies alike: the field check itself decides
                    int other = header ? (at == (64 << 10) ? 128 << 10 : 64 << 10) : (at == (192 << 10) ? 256 << 10 : 192 << 10);
                    int size = header ? 4096 : 65536;
                    System.arraycopy(image, at, image, other, size);
                    openAndRead(image, true);
                }
            }
        }
    }

    @Test
    void vhdxMetadataAndBatMutatedAreReadOrRefused() {
        for (Field f : VHDX_METADATA) {
            for (Consumer<byte[]> m : mutations(f, META)) {
                byte[] image = vhdx.clone();
                m.accept(image);
                openAndRead(image, true);
            }
        }
        int bat = 2 << 20;
        for (int entry = 0; entry < 10; entry++) {
            for (long value : new long[]{0, 1, 4, 5, 7, 6, (1L << 20) | 6, (2L << 20) | 6, (3L << 20) | 6, (1000L << 20) | 6, -1L, Long.MAX_VALUE}) {
                byte[] image = vhdx.clone();
                DiskPatch.le(image).putLong(bat + 8 * entry, value);
                openAndRead(image, true);
            }
        }
    }

    @Test
    void aVhdxWith4096ByteLogicalSectorsSaysSo() throws Exception {
        byte[] image = vhdx.clone();
        DiskPatch.le(image).putInt(META + 65568, 4096); // Logical Sector Size ([MS-VHDX] 2.6.2.4)
        BlockDevice d = VhdxBlockDevice.open(new MemoryImageFile(image));
        assertEquals(4096, d.sectorSize(), "the partition table reader is told the disk's sector size");
        assertEquals(0x5a, d.read(1 << 20, 1)[0]);
        DiskPatch.le(image).putInt(META + 65568, 1024);
        FormatException e = assertThrows(FormatException.class, () -> VhdxBlockDevice.open(new MemoryImageFile(image)));
        assertTrue(e.getMessage().contains("logical sector size 1024"), e.getMessage());
    }

    @Test
    void vhdxTruncatedAtEachBoundaryIsRefused() {
        for (int cut : new int[]{7, 8, 64 << 10, 128 << 10, 192 << 10, 256 << 10, 1 << 20, 2 << 20, 3 << 20, (3 << 20) + 65536, 4 << 20,
                (4 << 20) + 4096, vhdx.length - 1}) {
            byte[] image = Arrays.copyOf(vhdx, cut);
            byte[] before = image.clone();
            assertThrows(FormatException.class, () -> {
                MemoryImageFile f = new MemoryImageFile(image);
                VhdxBlockDevice.open(f).read(0, 8 << 20);
            }, "cut at " + cut);
            assertArrayEquals(before, image);
        }
    }
}
