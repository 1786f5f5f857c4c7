package io.bootmedic.cloud.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Invariant 7, per worker: each device of each worker lends itself to one copy at a time. */
final class Slots {
    private final Map<String, Map<String, String>> taken = new LinkedHashMap<>();
    private final List<EngineConfig.Worker> workers;

    Slots(List<EngineConfig.Worker> workers) {
        this.workers = workers;
        for (EngineConfig.Worker w : workers) {
            Map<String, String> devices = new LinkedHashMap<>();
            w.devices().forEach(d -> devices.put(d, null));
            taken.put(w.id(), devices);
        }
    }

    /** Marks a slot a recorded VM holds (on resume). */
    void hold(String worker, String device, String uid) {
        Map<String, String> devices = taken.get(worker);
        if (devices != null && devices.containsKey(device)) {
            devices.put(device, uid);
        }
    }

    /** The least busy worker in {@code zone}'s first free device, or null when every device there is lent. */
    String[] take(String uid, String zone) {
        String bestWorker = null;
        int bestFree = 0;
        for (EngineConfig.Worker w : workers) {
            if (!w.serves(zone)) {
                continue;
            }
            int free = (int) taken.get(w.id()).values().stream().filter(v -> v == null).count();
            if (free > bestFree) {
                bestFree = free;
                bestWorker = w.id();
            }
        }
        if (bestWorker == null) {
            return null;
        }
        for (Map.Entry<String, String> e : taken.get(bestWorker).entrySet()) {
            if (e.getValue() == null) {
                e.setValue(uid);
                return new String[] {bestWorker, e.getKey()};
            }
        }
        return null;
    }

    void give(String worker, String device, String uid) {
        Map<String, String> devices = taken.get(worker);
        if (devices != null && uid.equals(devices.get(device))) {
            devices.put(device, null);
        }
    }
}
