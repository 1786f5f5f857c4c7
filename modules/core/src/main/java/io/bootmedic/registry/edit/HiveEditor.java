package io.bootmedic.registry.edit;

import io.bootmedic.registry.Hive;
import io.bootmedic.registry.HiveFormatException;
import io.bootmedic.registry.HiveKey;
import io.bootmedic.registry.HiveValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Edits a full in-memory copy of a replayed hive: sets values (in place when the data fits its cell), creates values
 * and keys, keeping subkey lists sorted as Windows does. Cells other structures point to never move: a longer value's
 * data, a grown value list or subkey list get a new cell and the old one is freed. {@link #finish()} seals the base
 * block above every log entry's sequence number, verifies the result by re-reading it, and returns the bytes; writing
 * them is the caller's business.
 */
public final class HiveEditor {
    /** Data longer than this needs a big-data (db) record, which this editor does not write yet. */
    static final int MAX_PLAIN_DATA = 16344;
    private static final int NK_MIN = 0x4C;
    private static final int VK_MIN = 0x14;
    /** A key with more subkeys or values than this is refused (real keys have at most tens of thousands). */
    private static final int MAX_ENTRIES = 0xFFFF;

    /** A value as it was before an edit (for the journal); absent when the edit created it. */
    public record OldValue(int type, byte[] data) {
        public OldValue {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }
    }

    private final HiveImage image;
    private final CellAllocator cells;
    private final long highestLogSequence;
    private final List<Check> checks = new ArrayList<>();

    private record Check(String key, String value, int type, byte[] data) {
    }

    private HiveEditor(HiveImage image, long highestLogSequence) throws HiveFormatException {
        this.image = image;
        this.cells = new CellAllocator(image);
        this.highestLogSequence = highestLogSequence;
    }

    public static HiveEditor open(RecoveredHive hive) throws HiveFormatException {
        return named(hive.name(), () -> new HiveEditor(new HiveImage(hive.name(), hive.bytes()), Math.max(hive.sequence(), hive.highestLogSequence())));
    }

    /** An edit step; what it refuses is said in one line that starts with the hive's name. */
    @FunctionalInterface
    private interface Step<T> {
        T run() throws HiveFormatException;
    }

    private static <T> T named(String name, Step<T> step) throws HiveFormatException {
        try {
            return step.run();
        } catch (HiveLogException e) {
            throw e;
        } catch (HiveFormatException e) {
            String m = String.valueOf(e.getMessage()).replace('\n', ' ');
            throw new HiveLogException(m.startsWith(name) ? m : name + ": " + m, e);
        }
    }

    /** Sets (or creates) a value; returns what it was. */
    public Optional<OldValue> setValue(String keyPath, String valueName, int type, byte[] data) throws HiveFormatException {
        return named(image.name, () -> set(keyPath, valueName, type, data));
    }

    /** Creates a subkey (with no values) under an existing key; returns false when it existed already. */
    public boolean createKey(String parentPath, String keyName) throws HiveFormatException {
        return named(image.name, () -> create(parentPath, keyName));
    }

    /**
     * Deletes a key that has no subkeys, with its values (bcdedit's /deletevalue removes a BCD element this way);
     * returns false when it does not exist. Its cells become free cells; nothing another structure points to moves.
     */
    public boolean deleteKey(String parentPath, String keyName) throws HiveFormatException {
        return named(image.name, () -> delete(parentPath, keyName));
    }

    /**
     * The edited hive: sequence numbers equal and one above everything in the hive and its logs (so Windows has
     * nothing to replay over the edit), hive bins size and checksum right, re-read by {@link Hive} and every edit
     * found there as made.
     */
    public byte[] finish() throws HiveFormatException {
        return named(image.name, this::seal);
    }

    private Optional<OldValue> set(String keyPath, String valueName, int type, byte[] data) throws HiveFormatException {
        if (data.length > MAX_PLAIN_DATA) {
            throw new HiveLogException(image.name + ": values over " + MAX_PLAIN_DATA + " bytes (big data) are not written yet");
        }
        long nk = key(keyPath).orElseThrow(() -> new HiveLogException(image.name + ": key '" + keyPath + "' does not exist"));
        long count = image.u32(nk, 0x24);
        long list = image.u32(nk, 0x28);
        Optional<OldValue> old = Optional.empty();
        long vk = -1;
        for (long i = 0; i < count; i++) {
            long candidate = image.u32(list, i * 4);
            if (!image.signature(candidate, "vk")) {
                throw new HiveFormatException(image.name + ": value list of '" + keyPath + "' points at a non-value cell " + candidate);
            }
            if (sameName(valueName(candidate), valueName)) {
                vk = candidate;
                break;
            }
        }
        if (vk >= 0) {
            old = Optional.of(new OldValue((int) image.u32(vk, 0x0C), valueData(vk)));
            writeData(vk, data);
        } else {
            vk = newValue(valueName);
            writeData(vk, data);
            if (count >= MAX_ENTRIES) {
                throw new HiveLogException(image.name + ": key '" + keyPath + "' already has " + count + " values");
            }
            long grown = cells.allocate((count + 1) * 4);
            for (long i = 0; i < count; i++) {
                image.put32(grown, i * 4, image.u32(list, i * 4));
            }
            image.put32(grown, count * 4, vk);
            if (count > 0) {
                cells.free(list);
            }
            image.put32(nk, 0x24, count + 1);
            image.put32(nk, 0x28, grown);
            raise(nk, 0x3C, (long) valueName.length() * 2);
        }
        image.put32(vk, 0x0C, type & 0xFFFFFFFFL);
        raise(nk, 0x40, data.length);
        image.put64(nk, 0x04, Filetime.now());
        checks.add(new Check(keyPath, valueName, type, data.clone()));
        return old;
    }

    private boolean create(String parentPath, String keyName) throws HiveFormatException {
        if (keyName.isEmpty() || keyName.contains("\\") || keyName.length() > 255) {
            throw new HiveLogException(image.name + ": '" + keyName + "' is not a key name");
        }
        long parent = key(parentPath).orElseThrow(() -> new HiveLogException(image.name + ": key '" + parentPath + "' does not exist"));
        if (child(parent, keyName).isPresent()) {
            return false;
        }
        byte[] nameBytes = encodeName(keyName);
        long nk = cells.allocate(NK_MIN + nameBytes.length);
        image.write(nk, 0, new byte[] {'n', 'k'});
        image.put16(nk, 0x02, compressible(keyName) ? 0x20 : 0);
        image.put64(nk, 0x04, Filetime.now());
        image.put32(nk, 0x10, parent);
        image.put32(nk, 0x1C, HiveImage.NONE);
        image.put32(nk, 0x20, HiveImage.NONE);
        image.put32(nk, 0x28, HiveImage.NONE);
        long security = image.u32(parent, 0x2C);
        if (!image.signature(security, "sk")) {
            throw new HiveFormatException(image.name + ": key '" + parentPath + "' has no valid security cell");
        }
        image.put32(security, 0x0C, image.u32(security, 0x0C) + 1);
        image.put32(nk, 0x2C, security);
        image.put32(nk, 0x30, HiveImage.NONE);
        image.put16(nk, 0x48, nameBytes.length);
        image.write(nk, NK_MIN, nameBytes);
        SubkeyLists.insert(image, cells, parent, nk, keyName);
        // the largest subkey name (UTF-16 bytes) is the low 16 bits; the high ones are Windows' virtualization and user flags
        long field = image.u32(parent, 0x34);
        if ((field & 0xFFFF) < keyName.length() * 2L) {
            image.put32(parent, 0x34, field & 0xFFFF0000L | keyName.length() * 2L);
        }
        image.put64(parent, 0x04, Filetime.now());
        checks.add(new Check(parentPath.isEmpty() ? keyName : parentPath + "\\" + keyName, null, 0, null));
        return true;
    }

    private boolean delete(String parentPath, String keyName) throws HiveFormatException {
        long parent = key(parentPath).orElseThrow(() -> new HiveLogException(image.name + ": key '" + parentPath + "' does not exist"));
        Optional<Long> found = child(parent, keyName);
        if (found.isEmpty()) {
            return false;
        }
        long nk = found.get();
        String path = parentPath.isEmpty() ? keyName : parentPath + "\\" + keyName;
        if (image.u32(nk, 0x14) != 0 || image.u32(nk, 0x18) != 0) {
            throw new HiveLogException(image.name + ": key '" + path + "' has subkeys; only a key without subkeys is deleted");
        }
        long security = image.u32(nk, 0x2C);
        if (!image.signature(security, "sk")) {
            throw new HiveFormatException(image.name + ": key '" + path + "' has no valid security cell");
        }
        long references = image.u32(security, 0x0C);
        if (references < 2) {
            // the last reference: the descriptor would have to leave the security list, which this editor does not do
            throw new HiveLogException(image.name + ": key '" + path + "' holds the last reference to its security descriptor; not deleted");
        }
        long count = image.u32(nk, 0x24);
        long list = image.u32(nk, 0x28);
        if (count > MAX_ENTRIES) {
            throw new HiveFormatException(image.name + ": key '" + path + "' claims " + count + " values");
        }
        List<Long> doomed = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            long vk = image.u32(list, i * 4);
            if (!image.signature(vk, "vk")) {
                throw new HiveFormatException(image.name + ": value list of '" + path + "' points at a non-value cell " + vk);
            }
            long rawSize = image.u32(vk, 0x04);
            long length = rawSize & 0x7FFFFFFFL;
            if ((rawSize & 0x80000000L) == 0 && length > 0) {
                if (length > MAX_PLAIN_DATA) {
                    throw new HiveLogException(image.name + ": a value of '" + path + "' is a big-data record, which this editor does not delete yet");
                }
                doomed.add(image.u32(vk, 0x08));
            }
            doomed.add(vk);
        }
        if (count > 0) {
            doomed.add(list);
        }
        if (image.u32(nk, 0x30) != HiveImage.NONE && image.u16(nk, 0x4A) > 0) {
            doomed.add(image.u32(nk, 0x30));
        }
        // every cell is checked (capacity reads the cell's size) before the first is touched
        for (long cell : doomed) {
            image.capacity(cell);
        }
        SubkeyLists.remove(image, cells, parent, nk);
        image.put32(security, 0x0C, references - 1);
        for (long cell : doomed) {
            cells.free(cell);
        }
        cells.free(nk);
        image.put64(parent, 0x04, Filetime.now());
        checks.add(new Check(path, null, -1, null));
        return true;
    }

    private byte[] seal() throws HiveFormatException {
        byte[] out = image.bytes.clone();
        long seq = highestLogSequence + 1;
        if (seq > 0xFFFFFFFFL) {
            throw new HiveLogException(image.name + ": its sequence number cannot go higher");
        }
        Le.put32(out, BaseBlock.OFF_SEQ1, seq, image.name);
        Le.put32(out, BaseBlock.OFF_SEQ2, seq, image.name);
        Le.put64(out, BaseBlock.OFF_TIME, Filetime.now(), image.name);
        Le.put32(out, BaseBlock.OFF_TYPE, BaseBlock.TYPE_PRIMARY, image.name);
        Le.put32(out, BaseBlock.OFF_BINS_SIZE, image.binsSize, image.name);
        BaseBlock.writeChecksum(out);
        Hive reread = HiveCheck.verify(image.name, out);
        try {
            for (Check c : checks) {
                Optional<HiveKey> k = reread.key(c.key);
                if (c.type == -1) {
                    if (k.isPresent()) {
                        throw new HiveLogException(image.name + ": after the edit, deleted key '" + c.key + "' is still there");
                    }
                    continue;
                }
                if (k.isEmpty()) {
                    throw new HiveLogException(image.name + ": after the edit, key '" + c.key + "' cannot be found");
                }
                if (c.value != null) {
                    Optional<HiveValue> v = k.get().value(c.value);
                    if (v.isEmpty() || v.get().type() != c.type || !Arrays.equals(v.get().data(), c.data)) {
                        throw new HiveLogException(image.name + ": after the edit, value '" + c.value + "' of '" + c.key + "' reads back differently");
                    }
                }
            }
        } catch (HiveFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new HiveLogException(image.name + ": the edited hive cannot be re-read: " + e.getMessage(), e);
        }
        return out;
    }

    private void raise(long nk, long field, long value) throws HiveFormatException {
        if (image.u32(nk, field) < value) {
            image.put32(nk, field, value);
        }
    }

    private long newValue(String valueName) throws HiveFormatException {
        byte[] nameBytes = encodeName(valueName);
        long vk = cells.allocate(VK_MIN + nameBytes.length);
        image.write(vk, 0, new byte[] {'v', 'k'});
        image.put16(vk, 0x02, nameBytes.length);
        image.put32(vk, 0x04, 0x80000000L);
        image.put16(vk, 0x10, compressible(valueName) && !valueName.isEmpty() ? 1 : 0);
        image.write(vk, VK_MIN, nameBytes);
        return vk;
    }

    /** Puts data into a value: inline up to 4 bytes, in its own cell when it fits, else a new cell (the old one freed). */
    private void writeData(long vk, byte[] data) throws HiveFormatException {
        long rawSize = image.u32(vk, 0x04);
        boolean oldInline = (rawSize & 0x80000000L) != 0;
        long oldLength = rawSize & 0x7FFFFFFFL;
        long oldCell = image.u32(vk, 0x08);
        boolean oldHasCell = !oldInline && oldLength > 0;
        if (oldHasCell && oldLength > MAX_PLAIN_DATA) {
            throw new HiveLogException(image.name + ": the old data is a big-data record, which this editor does not rewrite yet");
        }
        if (data.length <= 4) {
            image.put32(vk, 0x04, 0x80000000L | data.length);
            image.write(vk, 0x08, Arrays.copyOf(data, 4));
            if (oldHasCell) {
                cells.free(oldCell);
            }
            return;
        }
        long cell;
        if (oldHasCell && image.capacity(oldCell) >= data.length) {
            cell = oldCell;
            image.write(cell, 0, new byte[(int) image.capacity(cell)]);
        } else {
            cell = cells.allocate(data.length);
            if (oldHasCell) {
                cells.free(oldCell);
            }
        }
        image.write(cell, 0, data);
        image.put32(vk, 0x08, cell);
        image.put32(vk, 0x04, data.length);
    }

    private byte[] valueData(long vk) throws HiveFormatException {
        long rawSize = image.u32(vk, 0x04);
        long length = rawSize & 0x7FFFFFFFL;
        if ((rawSize & 0x80000000L) != 0) {
            if (length > 4) {
                throw new HiveFormatException(image.name + ": inline value data claims " + length + " bytes");
            }
            return image.read(vk, 0x08, length);
        }
        if (length == 0) {
            return new byte[0];
        }
        if (length > MAX_PLAIN_DATA) {
            throw new HiveLogException(image.name + ": the old data is a big-data record, which this editor does not rewrite yet");
        }
        return image.read(image.u32(vk, 0x08), 0, length);
    }

    private String valueName(long vk) throws HiveFormatException {
        int length = image.u16(vk, 0x02);
        boolean compressed = (image.u16(vk, 0x10) & 1) != 0;
        return decode(image.read(vk, VK_MIN, length), compressed);
    }

    static String keyName(HiveImage image, long nk) throws HiveFormatException {
        if (!image.signature(nk, "nk")) {
            throw new HiveFormatException(image.name + ": expected a key (nk) cell at " + nk);
        }
        int length = image.u16(nk, 0x48);
        boolean compressed = (image.u16(nk, 0x02) & 0x20) != 0;
        return decode(image.read(nk, NK_MIN, length), compressed);
    }

    /** A key by backslash path below the root. */
    Optional<Long> key(String path) throws HiveFormatException {
        long nk = image.root();
        for (String part : path.split("\\\\")) {
            if (part.isEmpty()) {
                continue;
            }
            Optional<Long> next = child(nk, part);
            if (next.isEmpty()) {
                return Optional.empty();
            }
            nk = next.get();
        }
        return Optional.of(nk);
    }

    private Optional<Long> child(long nk, String wanted) throws HiveFormatException {
        for (long sub : SubkeyLists.offsets(image, nk)) {
            if (sameName(keyName(image, sub), wanted)) {
                return Optional.of(sub);
            }
        }
        return Optional.empty();
    }

    static boolean sameName(String a, String b) {
        return SubkeyLists.compare(a, b) == 0;
    }

    private static boolean compressible(String name) {
        return name.chars().allMatch(c -> c <= 0xFF);
    }

    private static byte[] encodeName(String name) {
        return compressible(name) ? name.getBytes(StandardCharsets.ISO_8859_1) : name.getBytes(StandardCharsets.UTF_16LE);
    }

    private static String decode(byte[] raw, boolean compressed) {
        return compressed ? new String(raw, StandardCharsets.ISO_8859_1) : new String(raw, StandardCharsets.UTF_16LE);
    }
}
