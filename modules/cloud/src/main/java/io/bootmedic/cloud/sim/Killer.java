package io.bootmedic.cloud.sim;

import io.bootmedic.cloud.engine.JournalStore;
import io.bootmedic.cloud.provider.CloudProvider;
import io.bootmedic.cloud.provider.Model.CommandInfo;
import io.bootmedic.cloud.provider.Model.DiskInfo;
import io.bootmedic.cloud.provider.Model.Scan;
import io.bootmedic.cloud.provider.Model.SnapshotInfo;
import io.bootmedic.cloud.provider.Model.VmInfo;
import io.bootmedic.cloud.provider.Model.VmRef;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Kills the orchestrator at its k-th effect: a journal append (leaving a torn line, or none) or a cloud write (before
 * it reaches the cloud, or after the cloud applied it and before the engine heard). Wraps a provider and a journal store.
 */
public final class Killer {
    private final SplittableRandom rng;
    private long countdown;
    private long effects;
    private String target;
    private boolean afterOnly;

    /** {@code at} &lt;= 0: never kills (counts effects only). */
    public Killer(long at, long seed) {
        this.countdown = at;
        this.rng = new SplittableRandom(seed);
    }

    /** Kills at the first cloud write named {@code what} (stop, snapshot, copy, attach, detach, swap, delete, fix, cancel), after the cloud applied it. */
    public static Killer after(String what) {
        Killer k = new Killer(0, 1);
        k.target = what;
        k.afterOnly = true;
        return k;
    }

    public long effects() {
        return effects;
    }

    private boolean hit(String what) {
        effects++;
        if (target != null) {
            if (target.equals(what)) {
                target = null;
                return true;
            }
            return false;
        }
        return countdown > 0 && --countdown == 0;
    }

    public JournalStore store(JournalStore inner) {
        return new JournalStore() {
            @Override
            public String name() {
                return inner.name();
            }

            @Override
            public byte[] readAll() {
                return inner.readAll();
            }

            @Override
            public void append(byte[] line) {
                if (hit("journal")) {
                    int keep = rng.nextInt(line.length); // 0: died before writing; otherwise a torn line without its newline
                    inner.append(Arrays.copyOf(line, keep));
                    throw new Killed("while recording a transition (" + keep + " of " + line.length + " bytes written)");
                }
                inner.append(line);
            }

            @Override
            public void truncate(long length) {
                inner.truncate(length);
            }
        };
    }

    public CloudProvider provider(CloudProvider c) {
        return new CloudProvider() {
            private <T> T w(String what, Supplier<T> call) {
                if (hit(what)) {
                    if (!afterOnly && rng.nextBoolean()) {
                        throw new Killed("before " + what);
                    }
                    try {
                        T ignored = call.get();
                    } catch (RuntimeException e) {
                        // whatever the cloud said, nobody heard it
                    }
                    throw new Killed("after " + what + " reached the cloud");
                }
                return call.get();
            }

            private void w(String what, Runnable call) {
                w(what, () -> {
                    call.run();
                    return null;
                });
            }

            @Override
            public int maxNameLength() {
                return c.maxNameLength();
            }

            @Override
            public List<VmRef> discover() {
                return c.discover();
            }

            @Override
            public VmInfo describeVm(String vmId) {
                return c.describeVm(vmId);
            }

            @Override
            public Scan scan(String vmId) {
                return c.scan(vmId);
            }

            @Override
            public void stopVm(String vmId) {
                w("stop", () -> c.stopVm(vmId));
            }

            @Override
            public void startVm(String vmId) {
                w("start", () -> c.startVm(vmId));
            }

            @Override
            public DiskInfo describeDisk(String diskId) {
                return c.describeDisk(diskId);
            }

            @Override
            public Optional<DiskInfo> findDisk(String name) {
                return c.findDisk(name);
            }

            @Override
            public SnapshotInfo describeSnapshot(String snapshotId) {
                return c.describeSnapshot(snapshotId);
            }

            @Override
            public Optional<SnapshotInfo> findSnapshot(String name) {
                return c.findSnapshot(name);
            }

            @Override
            public String createSnapshot(String diskId, String name, Map<String, String> tags) {
                return w("snapshot", () -> c.createSnapshot(diskId, name, tags));
            }

            @Override
            public String createDisk(String snapshotId, String name, Map<String, String> tags) {
                return w("copy", () -> c.createDisk(snapshotId, name, tags));
            }

            @Override
            public void attachDisk(String diskId, String workerId, String device) {
                w("attach", () -> c.attachDisk(diskId, workerId, device));
            }

            @Override
            public void detachDisk(String diskId, String workerId) {
                w("detach", () -> c.detachDisk(diskId, workerId));
            }

            @Override
            public void setBootDisk(String vmId, String diskId) {
                w("swap", () -> c.setBootDisk(vmId, diskId));
            }

            @Override
            public void deleteDisk(String diskId) {
                w("delete", () -> c.deleteDisk(diskId));
            }

            @Override
            public String startFix(String workerId, String device, String expectDiskId, String name) {
                return w("fix", () -> c.startFix(workerId, device, expectDiskId, name));
            }

            @Override
            public Optional<CommandInfo> findCommand(String workerId, String name) {
                return c.findCommand(workerId, name);
            }

            @Override
            public CommandInfo describeCommand(String workerId, String commandId) {
                return c.describeCommand(workerId, commandId);
            }

            @Override
            public void cancelCommand(String workerId, String commandId) {
                w("cancel", () -> c.cancelCommand(workerId, commandId));
            }

            @Override
            public boolean deviceHeld(String workerId, String device) {
                return c.deviceHeld(workerId, device);
            }
        };
    }
}
