package io.bootmedic.cloud.kvm;

import io.bootmedic.cloud.engine.Naming;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.Model.CommandInfo;
import io.bootmedic.cloud.provider.Model.CommandState;
import io.bootmedic.cloud.provider.Model.DiskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The provider's file and process side against the real things, without libvirt: qemu's image lock held by a real
 * qemu-system-x86_64, a copy lent to a slot, the fix command's pid file against the real process table, and the
 * shared-storage proof against what a libvirt on another host would print.
 */
class KvmProviderTest {
    @TempDir
    Path tmp;

    private KvmProvider provider(Path state) {
        KvmSettings s = new KvmSettings("test:///nowhere", List.of(), null, null, null, 1000, false, false, List.of(), List.of(), state, "host", 2, false,
                10_000);
        return new KvmProvider(s, System.err);
    }

    private static Process qemuHolding(Path image, String format, Path log) throws Exception {
        Process vm = new ProcessBuilder("qemu-system-x86_64", "-S", "-machine", "pc", "-accel", "tcg", "-m", "32", "-display", "none", "-nodefaults",
                "-monitor", "none", "-serial", "none", "-drive", "file=" + image + ",format=" + format + ",if=virtio")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long inode = ((Number) Files.getAttribute(image, "unix:ino")).longValue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertTrue(vm.isAlive(), () -> "qemu exited");
            if (Files.readAllLines(Path.of("/proc/locks")).stream().anyMatch(l -> l.contains("OFDLCK") && l.matches(".*:" + inode + " 20[0-9] 20[0-9]\\s*$"))) {
                return vm;
            }
            Thread.sleep(50);
        }
        vm.destroyForcibly();
        throw new AssertionError("qemu never locked " + image);
    }

    /** Snapshots are made by a child process: the call returns at once and a read says PENDING until it is done. */
    private static void awaitSnapshot(KvmProvider p, String snap) throws Exception {
        for (long end = System.nanoTime() + 60_000_000_000L; System.nanoTime() < end; Thread.sleep(20)) {
            io.bootmedic.cloud.provider.Model.SnapshotState st = p.describeSnapshot(snap).state();
            if (st == io.bootmedic.cloud.provider.Model.SnapshotState.COMPLETED) {
                return;
            }
            assertEquals(io.bootmedic.cloud.provider.Model.SnapshotState.PENDING, st);
        }
        throw new AssertionError("snapshot " + snap + " never completed");
    }

    private List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** libvirt 9.0 cannot define a VHDX disk, so the engine test cannot have one: the snapshot itself is refused here. */
    @Test
    void aVhdxImageARunningQemuHoldsIsNotCopied() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        Path disk = images.resolve("guest.vhdx");
        Tools.ok("qemu-img", "create", "-q", "-f", "vhdx", disk.toString(), "32M");
        String before = PracticeImages.sha256(disk);
        KvmProvider p = provider(tmp.resolve("state"));
        Process vm = qemuHolding(disk, "vhdx", tmp.resolve("qemu.log"));
        try {
            CloudException e = assertThrows(CloudException.class, () -> p.createSnapshot(disk.toString(), "bm-abcd1234-u-snap1", Map.of()));
            assertEquals(CloudException.Kind.CONFLICT, e.kind());
            assertTrue(e.getMessage().contains("held by a running qemu"), e.getMessage());
        } finally {
            vm.destroy();
            vm.waitFor(20, TimeUnit.SECONDS);
        }
        assertEquals(List.of(disk), files(images), "no snapshot and no partial file");
        assertEquals(before, PracticeImages.sha256(disk));
        assertTrue(p.findSnapshot("bm-abcd1234-u-snap1").isEmpty());

        // (no bootmedic-source tag: it names a domain, and this test has no libvirt to ask about it)
        String snap = p.createSnapshot(disk.toString(), "bm-abcd1234-u-snap1", Map.of(Naming.TAG_RUN, "abcd1234", "other", "kept as it is"));
        assertEquals(images.resolve("bm-abcd1234-u-snap1.vhdx").toString(), snap, "named by the engine, in the disk's own format");
        awaitSnapshot(p, snap);
        assertEquals("vhdx", ImageCheck.detect(Path.of(snap)));
        Tools.ok("qemu-img", "check", "-f", "vhdx", snap);
        assertEquals(Map.of(Naming.TAG_RUN, "abcd1234", "other", "kept as it is"), p.describeSnapshot(snap).tags(), "tags come back unchanged");
        CloudException again = assertThrows(CloudException.class, () -> p.createSnapshot(disk.toString(), "bm-abcd1234-u-snap1", Map.of()));
        assertEquals(CloudException.Kind.ALREADY_EXISTS, again.kind());
    }

    /** A copy lent to a slot is held with qemu's lock: no qemu can open it for writing until it is taken off again. */
    @Test
    void aCopyOnTheWorkerIsLockedAgainstQemuAndASecondSlotOrCopyIsRefused() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        Path disk = images.resolve("guest.img");
        Tools.ok("qemu-img", "create", "-q", "-f", "raw", disk.toString(), "8M");
        KvmProvider p = provider(tmp.resolve("state"));
        Map<String, String> tags = Map.of(Naming.TAG_RUN, "abcd1234"); // no source domain to ask libvirt about: this test has no libvirt
        String snap = p.createSnapshot(disk.toString(), "bm-abcd1234-u-snap1", tags);
        assertEquals(CloudException.Kind.CONFLICT, assertThrows(CloudException.class, () -> p.createDisk(snap, "bm-abcd1234-u-copy1", tags)).kind(),
                "no copy from a snapshot still being made");
        awaitSnapshot(p, snap);
        String copy = p.createDisk(snap, "bm-abcd1234-u-copy1", tags);
        for (long end = System.nanoTime() + 60_000_000_000L; p.describeDisk(copy).state() == DiskState.CREATING && System.nanoTime() < end;) {
            Thread.sleep(20);
        }
        assertEquals(DiskState.AVAILABLE, p.describeDisk(copy).state());
        assertEquals(snap, p.describeDisk(copy).sourceSnapshotId());

        p.attachDisk(copy, "host", "slot1");
        assertEquals(DiskState.IN_USE, p.describeDisk(copy).state());
        assertEquals("slot1", p.describeDisk(copy).device());
        Tools.Result qemu = Tools.run(List.of("qemu-io", "-f", "raw", "-c", "write 0 512", copy));
        assertTrue(qemu.exit() != 0 && qemu.out().contains("lock"), "qemu cannot write a copy on the worker: " + qemu.out());
        assertFalse(p.deviceHeld("host", "slot1"), "only this process's own lock holds it");
        assertEquals(CloudException.Kind.CONFLICT, assertThrows(CloudException.class, () -> p.attachDisk(copy, "host", "slot2")).kind());
        assertEquals(CloudException.Kind.FATAL, assertThrows(CloudException.class, () -> p.attachDisk(copy, "host", "slot3")).kind(), "no slot 3");
        assertEquals(CloudException.Kind.FATAL, assertThrows(CloudException.class, () -> p.startFix("host", "slot2", copy, "bm-x-fix1")).kind(),
                "the worker refuses a slot that does not hold the copy");
        assertEquals(CloudException.Kind.CONFLICT, assertThrows(CloudException.class, () -> p.deleteDisk(copy)).kind());

        // a new orchestrator (after a crash) does not hold the lock; a qemu that got hold of the copy makes the slot busy
        p.detachDisk(copy, "host");
        Tools.ok("qemu-io", "-f", "raw", "-c", "write 0 512", copy);
        p.attachDisk(copy, "host", "slot2");
        KvmProvider resumed = provider(tmp.resolve("state"));
        p.detachDisk(copy, "host"); // releases the first process's lock, keeps nothing
        resumed.attachDisk(copy, "host", "slot2");
        KvmProvider third = provider(tmp.resolve("state"));
        assertTrue(third.deviceHeld("host", "slot2"), "another process (here: the resumed one) holds the copy's lock");
        resumed.detachDisk(copy, "host");
        assertFalse(third.deviceHeld("host", "slot2"));
        p.deleteDisk(copy);
        assertFalse(Files.exists(Path.of(copy)));
        assertTrue(p.findDisk("bm-abcd1234-u-copy1").isEmpty());
        assertTrue(Files.exists(Path.of(snap)), "the snapshot stays");
    }

    /** Low finding: a stale worker PID after a reboot. A pid file names a process by pid, start time and boot. */
    @Test
    void aStalePidIsNeverTakenForTheFixNorKilled() throws Exception {
        Path state = tmp.resolve("state");
        FixCommands commands = new FixCommands(state, List.of());
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            ProcessIdentity real = ProcessIdentity.of(sleeper.toHandle());
            write(state, "bm-fix-afterreboot", sleeper.pid(), real.startMillis(), "00000000-0000-0000-0000-000000000000");
            write(state, "bm-fix-reused", sleeper.pid(), real.startMillis() - 60_000, real.bootId());
            write(state, "bm-fix-live", sleeper.pid(), real.startMillis(), real.bootId());

            for (String stale : List.of("bm-fix-afterreboot", "bm-fix-reused")) {
                CommandInfo c = commands.describe("host", stale);
                assertEquals(CommandState.FAILED, c.state(), stale);
                assertTrue(c.writerExited(), stale + ": the recorded (in-process) writer is gone");
                assertFalse(c.changed());
                commands.cancel("host", stale);
                assertTrue(sleeper.isAlive(), stale + ": the process that has its pid now is not killed");
            }
            assertFalse(commands.writerAlive(tmp.resolve("copy.img").toString().replace("copy", "other")));

            CommandInfo live = commands.describe("host", "bm-fix-live");
            assertEquals(CommandState.IN_PROGRESS, live.state());
            assertFalse(live.writerExited());
            assertTrue(commands.writerAlive(tmp.resolve("copy.img").toString()));
            commands.cancel("host", "bm-fix-live");
            assertTrue(sleeper.waitFor(10, TimeUnit.SECONDS), "the recorded process itself is stopped");
            assertEquals(CloudException.Kind.NOT_FOUND, assertThrows(CloudException.class, () -> commands.describe("other-host", "bm-fix-live")).kind());
        } finally {
            sleeper.destroyForcibly();
        }
    }

    private void write(Path state, String name, long pid, long start, String boot) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("worker", "host");
        m.put("device", "slot1");
        m.put("disk", tmp.resolve("copy.img").toString());
        m.put("mode", "in-process");
        m.put("state", "started");
        m.put("pid", pid);
        m.put("startMillis", start);
        m.put("bootId", boot);
        StateFiles.write(state.resolve("commands").resolve(name + ".json"), m);
    }

    /**
     * --shared-storage used to trust that a path on another host is the file here. libvirt there is asked for the volume
     * (a fake virsh prints what a real one does), and its timestamps must be this file's, to the nanosecond.
     */
    @Test
    void sharedStorageIsTrustedOnlyForTheSameFile() throws Exception {
        Path disk = tmp.resolve("guest.qcow2");
        Tools.ok("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), "8M");
        FileTime m = Files.getLastModifiedTime(disk);
        FileTime c = (FileTime) Files.getAttribute(disk, "unix:ctime");
        Path answer = tmp.resolve("vol.xml");
        Path fake = tmp.resolve("virsh");
        Files.writeString(fake, "#!/bin/sh\n[ -f '" + answer + "' ] || { echo 'error: Storage volume not found: no storage vol with matching path' >&2; exit 1; }\ncat '"
                + answer + "'\n");
        fake.toFile().setExecutable(true);
        Virsh virsh = new Virsh(fake.toString(), "qemu+ssh://other/system", 10_000);

        String none = SharedStorage.refusal(virsh, disk);
        assertTrue(none != null && none.contains("cannot prove") && none.contains("storage pool"), none);

        Files.writeString(answer, vol(disk, stamp(m), stamp(c)));
        assertNull(SharedStorage.refusal(virsh, disk));

        Files.writeString(answer, vol(disk, stamp(m), stamp(c).replaceAll(".$", "7").equals(stamp(c)) ? stamp(c).replaceAll(".$", "3") : stamp(c).replaceAll(".$", "7")));
        String other = SharedStorage.refusal(virsh, disk);
        assertTrue(other != null && other.contains("is not the file the domain uses"), other);
    }

    private static String stamp(FileTime t) {
        return t.toInstant().getEpochSecond() + "." + String.format("%09d", t.toInstant().getNano());
    }

    private static String vol(Path p, String mtime, String ctime) {
        return "<volume type='file'>\n  <name>" + p.getFileName() + "</name>\n  <key>" + p + "</key>\n  <target>\n    <path>" + p + "</path>\n"
                + "    <format type='qcow2'/>\n    <timestamps>\n      <atime>" + mtime + "</atime>\n      <mtime>" + mtime + "</mtime>\n      <ctime>" + ctime
                + "</ctime>\n    </timestamps>\n  </target>\n</volume>\n";
    }

    @Test
    void virshErrorsAreClassifiedAsTheEngineNeedsThem() {
        assertEquals(CloudException.Kind.NOT_FOUND, Virsh.classify("domstate", "error: failed to get domain 'x'").kind());
        assertEquals(CloudException.Kind.CONFLICT, Virsh.classify("start", "error: Requested operation is not valid: domain is already running").kind());
        assertEquals(CloudException.Kind.CONFLICT, Virsh.classify("shutdown", "error: Requested operation is not valid: domain is not running").kind());
        assertEquals(CloudException.Kind.TRANSIENT, Virsh.classify("list", "error: failed to connect to the hypervisor").kind());
        assertEquals(CloudException.Kind.FATAL, Virsh.classify("define", "error: XML error: something").kind());
    }

    @Test
    void theRouteIsFoundAsAServiceAndKnowsRemoteUris() {
        io.bootmedic.cloud.route.Route kvm = java.util.ServiceLoader.load(io.bootmedic.cloud.route.Route.class).stream()
                .map(java.util.ServiceLoader.Provider::get).filter(r -> r.name().equals("kvm")).findFirst().orElseThrow();
        assertTrue(kvm.newOptions() instanceof KvmOptions);
        for (String local : List.of("qemu:///system", "qemu:///session", "test+unix:///default?socket=/run/x")) {
            assertFalse(settings(local).remote(), local);
        }
        for (String remote : List.of("qemu+ssh://root@kvm2/system", "qemu+tls://kvm2.example/system")) {
            assertTrue(settings(remote).remote(), remote);
        }
    }

    private KvmSettings settings(String uri) {
        return new KvmSettings(uri, List.of(), null, null, null, 1000, false, false, List.of(), List.of(), tmp, "host", 1, false, 1000);
    }
}
