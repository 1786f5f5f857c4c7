package io.bootmedic.registry.edit;

import io.bootmedic.registry.Hive;
import io.bootmedic.registry.HiveFormatException;
import io.bootmedic.util.ByteArrayChannel;

import java.io.IOException;

/** Checks hive bytes before they are handed to a writer: base block, every hive bin's header, and a re-read by {@link Hive}. */
public final class HiveCheck {
    private HiveCheck() {
    }

    public static Hive verify(String name, byte[] hive) throws HiveFormatException {
        BaseBlock base = BaseBlock.parse(hive, name);
        if (base == null || !base.checksumOk()) {
            throw new HiveFormatException(name + ": base block missing or its checksum is wrong");
        }
        if (base.hiveBinsSize() == 0 || base.hiveBinsSize() % BaseBlock.SIZE != 0 || base.hiveBinsSize() > hive.length - (long) BaseBlock.SIZE) {
            throw new HiveFormatException(name + ": hive bins size " + base.hiveBinsSize() + " does not fit the " + hive.length + "-byte file");
        }
        long pos = 0;
        while (pos < base.hiveBinsSize()) {
            long at = BaseBlock.SIZE + pos;
            if (!Le.ascii(hive, at, "hbin")) {
                throw new HiveFormatException(name + ": no hive bin at offset " + pos);
            }
            long offset = Le.u32(hive, at + 4, name);
            long size = Le.u32(hive, at + 8, name);
            if (offset != pos || size == 0 || size % BaseBlock.SIZE != 0 || size > base.hiveBinsSize() - pos) {
                throw new HiveFormatException(name + ": hive bin at offset " + pos + " has a wrong header (offset " + offset + ", size " + size + ")");
            }
            pos += size;
        }
        try {
            Hive reread = Hive.open(new ByteArrayChannel(hive));
            reread.root().subkeys();
            reread.root().values();
            return reread;
        } catch (HiveFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new HiveFormatException(name + ": cannot be re-read: " + e.getMessage(), e);
        }
    }
}
