package io.bootmedic.cloud.kvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process as a pid file must name it: its pid, its start time and the boot it ran in. A pid alone is reused (after a
 * reboot the first few hundred are taken at once): a pid whose start time or boot differs is another process, and the
 * one recorded has exited.
 */
record ProcessIdentity(long pid, long startMillis, String bootId) {
    static String currentBootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static ProcessIdentity of(ProcessHandle h) {
        return new ProcessIdentity(h.pid(), h.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(-1L), currentBootId());
    }

    /** The live process this identity names, if it still runs. */
    Optional<ProcessHandle> live() {
        if (!bootId.equals(currentBootId()) || startMillis < 0) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(h -> h.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(-2L) == startMillis);
    }
}
