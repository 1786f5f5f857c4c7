package io.bootmedic.registry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** One key of a hive; subkeys and values are read when asked for. */
public final class HiveKey {
    private final Hive hive;
    private final String name;
    private final long subkeyCount;
    private final long subkeyList;
    private final long valueCount;
    private final long valueList;

    HiveKey(Hive hive, String name, long subkeyCount, long subkeyList, long valueCount, long valueList) {
        this.hive = hive;
        this.name = name;
        this.subkeyCount = subkeyCount;
        this.subkeyList = subkeyList;
        this.valueCount = valueCount;
        this.valueList = valueList;
    }

    public String name() {
        return name;
    }

    public List<HiveKey> subkeys() throws IOException {
        return Hive.checked(() -> {
            List<HiveKey> out = new ArrayList<>();
            for (long offset : hive.subkeyOffsets(subkeyList, subkeyCount)) {
                out.add(hive.key(offset));
            }
            return out;
        });
    }

    public Optional<HiveKey> subkey(String wanted) throws IOException {
        for (HiveKey k : subkeys()) {
            if (Hive.sameName(k.name, wanted)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    public List<HiveValue> values() throws IOException {
        return Hive.checked(() -> hive.values(valueList, valueCount));
    }

    /** A named value; the empty name is the key's default value. */
    public Optional<HiveValue> value(String wanted) throws IOException {
        for (HiveValue v : values()) {
            if (Hive.sameName(v.name(), wanted)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return name;
    }
}
