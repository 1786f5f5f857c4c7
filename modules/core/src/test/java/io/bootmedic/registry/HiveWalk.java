package io.bootmedic.registry;

import io.bootmedic.util.ByteArrayChannel;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/** Opens a hive from bytes and reads every key, value and value's data it can reach, up to a budget (tests only). */
public final class HiveWalk {
    private HiveWalk() {
    }

    public static int walk(byte[] hive, int budget) throws IOException {
        Hive h = Hive.open(new ByteArrayChannel(hive));
        h.key("ControlSet001\\Control\\ComputerName\\ComputerName");
        Deque<HiveKey> todo = new ArrayDeque<>();
        todo.add(h.root());
        int seen = 0;
        while (!todo.isEmpty() && seen < budget) {
            HiveKey k = todo.poll();
            seen++;
            for (HiveValue v : k.values()) {
                v.data();
                v.asString();
            }
            todo.addAll(k.subkeys());
        }
        return seen;
    }
}
