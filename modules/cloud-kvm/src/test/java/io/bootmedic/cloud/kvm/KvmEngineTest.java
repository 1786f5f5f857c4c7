package io.bootmedic.cloud.kvm;

import io.bootmedic.cloud.engine.Clock;
import io.bootmedic.cloud.engine.Engine;
import io.bootmedic.cloud.engine.FileJournalStore;
import io.bootmedic.cloud.engine.MemoryJournalStore;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.Step;
import io.bootmedic.cloud.engine.VmRecord;
import io.bootmedic.cloud.route.Connection;
import io.bootmedic.practice.PracticeTree;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine driving the KVM route end to end: the real virsh against libvirt's test driver in a private libvirtd
 * ({@link LibvirtTestDaemon}: what it shows and what it does not), on real images of the practice disk that the real
 * bootmedic repairs in a child process. Afterwards each test reads the domain from libvirt (state, lifecycle events,
 * definition), the images with qemu-img (check) and ntfs-3g, and the files' SHA-256.
 */
class KvmEngineTest {
    @TempDir
    static Path shared;
    static LibvirtTestDaemon libvirt;
    static PracticeImages images;
    @TempDir
    Path tmp;
    Path state;
    String dom;

    @BeforeAll
    static void hypervisor() throws Exception {
        libvirt = LibvirtTestDaemon.start();
        images = new PracticeImages(shared);
    }

    @AfterAll
    static void stop() throws Exception {
        if (libvirt != null) {
            libvirt.close();
        }
    }

    @BeforeEach
    void names(TestInfo info) {
        dom = "win-" + info.getTestMethod().orElseThrow().getName();
        state = tmp.resolve("state");
    }

    private Connection connect(String... flags) {
        return RouteHarness.connect(libvirt.uri(), state, flags);
    }

    private RunReport run(Connection c) {
        return Engine.run(c.provider(), new MemoryJournalStore(), Clock.SYSTEM, RouteHarness.config(c), "abcd1234");
    }

    private static VmRecord only(RunReport r) {
        assertEquals(1, r.vms().size(), r.vms().toString());
        return r.vms().get(0);
    }

    private String uuid(String name) throws Exception {
        return libvirt.virsh("domuuid", name).strip();
    }

    /** The boot disk's file, as the domain's persistent definition names it now. */
    private String bootFile(String name) throws Exception {
        DomainXml x = DomainXml.parse(libvirt.virsh("dumpxml", "--inactive", name));
        return x.bootDisk(null).path();
    }

    private List<Path> filesIn(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.equals(state)).sorted().toList();
        }
    }

    private static void qemuImgCheck(Path image) throws Exception {
        Tools.ok("qemu-img", "check", image.toString());
    }

    @Test
    void aBootLoopingWindowsGuestIsRepairedOnACopyAndStartedOnIt() throws Exception {
        Path disk = images.qcow2(tmp.resolve(dom + ".qcow2"));
        Path data = PracticeImages.dataDisk(tmp.resolve(dom + "-data.img"));
        libvirt.define(dom, TestDomains.windowsGuest(dom, "qcow2", disk.toString(), data.toString(), "destroy"));
        libvirt.virsh("start", dom);
        String before = PracticeImages.sha256(disk);
        String dataBefore = PracticeImages.sha256(data);
        String xmlBefore = libvirt.virsh("dumpxml", "--inactive", dom);

        RunReport r;
        try (Connection c = connect("--domain", dom)) {
            r = run(c);
        }

        VmRecord v = only(r);
        assertEquals(Step.REPAIRED, v.step(), v.toString());
        String u = uuid(dom);
        Path copy = tmp.resolve("bm-abcd1234-" + u + "-copy1.qcow2");
        Path snap = tmp.resolve("bm-abcd1234-" + u + "-snap1.qcow2");
        assertEquals(copy.toString(), v.copy());
        assertEquals(copy.toString(), bootFile(dom), "the domain boots the repaired copy");
        assertEquals("running", libvirt.state(dom));
        assertEquals(List.of("Defined Added", "Started Booted", "Stopped Shutdown", "Defined Updated", "Started Booted"), libvirt.events(dom));
        assertFalse(images.faultyInPlace(copy), "ntfs-3g no longer finds the faulty file in the copy");
        assertTrue(images.quarantine(copy).contains(PracticeTree.FAULTY), "it is in bootmedic's quarantine on the copy");
        qemuImgCheck(copy);
        assertEquals("qcow2", Tools.ok("qemu-img", "info", "--output=json", copy.toString()).replaceAll("(?s).*\"format\": \"([a-z0-9]+)\".*", "$1"));
        assertEquals(before, PracticeImages.sha256(disk), "invariant 1: the original is never written");
        assertEquals(before, PracticeImages.sha256(snap), "the snapshot is the disk as it was");
        assertTrue(images.faultyInPlace(disk));
        assertEquals(dataBefore, PracticeImages.sha256(data), "the data disk (listed first, no boot order) is untouched");
        // only the boot disk's file changed: bus, target, driver type, the other disks and the metadata are as they were
        assertEquals(xmlBefore.replace(disk.toString(), copy.toString()), libvirt.virsh("dumpxml", "--inactive", dom));
    }

    @Test
    void onlyWindowsGuestsWithSomethingToFixAreStoppedAndNothingElseIsTouched() throws Exception {
        String linux = dom + "-linux", unknown = dom + "-nometadata", clean = dom + "-clean";
        Path linuxDisk = images.raw(tmp.resolve(linux + ".img")); // even a broken Windows image: the OS check comes first
        Path unknownDisk = images.raw(tmp.resolve(unknown + ".img"));
        Path cleanDisk = images.clean(tmp.resolve(clean + ".img"));
        libvirt.define(linux, TestDomains.withDisk(linux, TestDomains.UBUNTU, "destroy", TestDomains.fileDisk("raw", linuxDisk.toString(), "vda")));
        libvirt.define(unknown, TestDomains.withDisk(unknown, null, "destroy", TestDomains.fileDisk("raw", unknownDisk.toString(), "vda")));
        libvirt.define(clean, TestDomains.withDisk(clean, TestDomains.WIN10, "destroy", TestDomains.fileDisk("raw", cleanDisk.toString(), "vda")));
        for (String d : List.of(linux, unknown, clean)) {
            libvirt.virsh("start", d);
        }
        List<String> sums = List.of(PracticeImages.sha256(linuxDisk), PracticeImages.sha256(unknownDisk), PracticeImages.sha256(cleanDisk));
        List<Path> filesBefore = filesIn(tmp);

        RunReport r;
        try (Connection c = connect("--all-matching", "^" + dom + "-")) {
            r = run(c);
        }

        assertEquals(3, r.vms().size());
        for (VmRecord v : r.vms()) {
            assertEquals(Step.SKIPPED, v.step(), v.toString());
            assertFalse(v.checksPassed());
        }
        assertTrue(r.vms().stream().anyMatch(v -> v.name().equals(linux) && v.reason().contains("not Windows (linux)")), r.vms().toString());
        assertTrue(r.vms().stream().anyMatch(v -> v.name().equals(unknown) && v.reason().contains("not Windows (unknown)")), r.vms().toString());
        assertTrue(r.vms().stream().anyMatch(v -> v.name().equals(clean) && v.reason().contains("clean")), r.vms().toString());
        for (String d : List.of(linux, unknown, clean)) {
            assertEquals("running", libvirt.state(d), d);
            assertEquals(List.of("Defined Added", "Started Booted"), libvirt.events(d), d + " was never stopped");
        }
        assertEquals(sums, List.of(PracticeImages.sha256(linuxDisk), PracticeImages.sha256(unknownDisk), PracticeImages.sha256(cleanDisk)));
        assertEquals(filesBefore, filesIn(tmp), "no snapshot or copy was made");
    }

    /** A qemu-system-x86_64 guest paused at its first instruction, its disk open (and locked) as a running VM's is. */
    private Process qemuHolding(Path image, String format) throws Exception {
        Process vm = new ProcessBuilder("qemu-system-x86_64", "-S", "-machine", "pc", "-accel", "tcg", "-m", "32", "-display", "none", "-nodefaults",
                "-monitor", "none", "-serial", "none", "-drive", "file=" + image + ",format=" + format + ",if=virtio")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("qemu-" + image.getFileName() + ".log").toFile()).start();
        long inode = ((Number) Files.getAttribute(image, "unix:ino")).longValue();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            assertTrue(vm.isAlive(), "qemu-system-x86_64 exited: " + Files.readString(tmp.resolve("qemu-" + image.getFileName() + ".log")));
            if (Files.readAllLines(Path.of("/proc/locks")).stream().anyMatch(l -> l.contains("OFDLCK") && l.matches(".*:" + inode + " 20[0-9] 20[0-9]\\s*$"))) {
                return vm;
            }
            Thread.sleep(50);
        }
        vm.destroyForcibly();
        throw new AssertionError("qemu never locked " + image);
    }

    private static void stop(Process vm) throws Exception {
        vm.destroy();
        vm.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * The critical finding: raw, VHD and VHDX images were written with no lock, so a guest still running on another host
     * (shared storage) had its disk rewritten. Here libvirt says the domain is shut off, but a real qemu has the image open:
     * nothing may be copied or written, and the domain is left as it was.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"raw", "vpc", "qcow2"}) // libvirt 9.0 does not define a vhdx disk: see KvmProviderTest
    void anImageARunningQemuHoldsIsNeverCopiedOrWritten(String format) throws Exception {
        String d = dom + "-" + format;
        Path disk = images.convert(format, tmp.resolve(d + "." + format));
        libvirt.define(d, TestDomains.withDisk(d, TestDomains.WIN10, "destroy", TestDomains.fileDisk(format, disk.toString(), "vda")));
        String before = PracticeImages.sha256(disk);
        String xmlBefore = libvirt.virsh("dumpxml", "--inactive", d);
        List<Path> filesBefore = filesIn(tmp);
        Process vm = qemuHolding(disk, format);
        RunReport r;
        try (Connection c = connect("--domain", d)) {
            r = run(c);
        } finally {
            stop(vm);
        }
        VmRecord v = only(r);
        assertEquals(Step.ROLLED_BACK, v.step(), v.toString());
        assertTrue(v.reason().contains("SNAPSHOTTING") && v.reason().contains("held by a running qemu"), v.reason());
        assertEquals(before, PracticeImages.sha256(disk));
        assertEquals(xmlBefore, libvirt.virsh("dumpxml", "--inactive", d));
        assertEquals("shut off", libvirt.state(d), "it was off: not started");
        List<Path> after = filesIn(tmp).stream().filter(p -> !p.getFileName().toString().startsWith("qemu-")).toList();
        assertEquals(filesBefore, after, "no snapshot, no copy, no partial file");
    }

    /**
     * rollback could move a stale copy over a running guest's disk. Here rollback never moves a file: it redefines the
     * domain on its original. While a qemu elsewhere still has the disk open, it changes nothing and says so; once that
     * guest is gone, it finishes.
     */
    @Test
    void rollbackChangesNothingWhileAQemuHoldsTheDiskAndFinishesOnceItIsGone() throws Exception {
        Path disk = images.raw(tmp.resolve(dom + ".img"));
        libvirt.define(dom, TestDomains.withDisk(dom, TestDomains.WIN10, "destroy", TestDomains.fileDisk("raw", disk.toString(), "vda")));
        libvirt.virsh("start", dom);
        String before = PracticeImages.sha256(disk);
        FileJournalStore journal = new FileJournalStore(tmp.resolve("journal.jsonl"));
        try (Connection c = connect("--domain", dom)) {
            RunReport r = Engine.run(c.provider(), journal, Clock.SYSTEM, RouteHarness.config(c), "abcd1234");
            assertEquals(Step.REPAIRED, only(r).step(), only(r).toString());
        }
        Path copy = Path.of(bootFile(dom));
        String repaired = PracticeImages.sha256(copy);
        Process vm = qemuHolding(copy, "raw"); // the guest, started on another host sharing this storage
        try (Connection c = connect("--domain", dom)) {
            RunReport r = Engine.rollback(c.provider(), journal, Clock.SYSTEM, RouteHarness.config(c), Set.of());
            assertTrue(r.stuck().values().stream().anyMatch(w -> w.contains("held by a running qemu")), r.stuck().toString());
            assertEquals(Step.RB_UNSWAPPING, only(r).step());
        } finally {
            stop(vm);
        }
        assertEquals(copy.toString(), bootFile(dom), "the definition was not changed under that guest");
        assertEquals(repaired, PracticeImages.sha256(copy));
        assertEquals(before, PracticeImages.sha256(disk));

        try (Connection c = connect("--domain", dom)) {
            RunReport r = Engine.rollback(c.provider(), journal, Clock.SYSTEM, RouteHarness.config(c), Set.of());
            assertEquals(Step.ROLLED_BACK, only(r).step(), only(r).toString());
        }
        assertEquals(disk.toString(), bootFile(dom));
        assertEquals("running", libvirt.state(dom));
        assertEquals(before, PracticeImages.sha256(disk), "the original, as it was before the repair");
        assertFalse(Files.exists(copy), "the unused copy is deleted");
        assertTrue(Files.exists(tmp.resolve("bm-abcd1234-" + uuid(dom) + "-snap1.img")), "the snapshot is kept");
    }

    /**
     * The engine stops (the orchestrator killed) while the snapshot is being copied, or while bootmedic runs; a new
     * orchestrator resumes from the journal file and finds that copy or that fix by its name instead of starting another.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"copies,SNAPSHOTTING", "commands,FIXING"})
    void aRunStoppedMidWayIsResumedFromItsJournalWithoutASecondCopyOrWriter(String folder, Step stoppedAt) throws Exception {
        dom = dom + "-" + folder;
        Path disk = images.qcow2(tmp.resolve(dom + ".qcow2"));
        libvirt.define(dom, TestDomains.withDisk(dom, TestDomains.WIN10, "destroy", TestDomains.fileDisk("qcow2", disk.toString(), "vda")));
        libvirt.virsh("start", dom);
        String before = PracticeImages.sha256(disk);
        FileJournalStore journal = new FileJournalStore(tmp.resolve("journal.jsonl"));
        Path commands = state.resolve("commands");
        Path started = state.resolve(folder);
        Clock dies = new Clock() {
            @Override
            public long now() {
                return System.currentTimeMillis();
            }

            @Override
            public void sleepUntil(long millis) {
                if (Files.isDirectory(started)) {
                    throw new IllegalStateException("the orchestrator stopped");
                }
                Clock.SYSTEM.sleepUntil(millis);
            }
        };
        try (Connection c = connect("--domain", dom)) {
            IllegalStateException stopped = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> Engine.run(c.provider(), journal, dies, RouteHarness.config(c), "abcd1234"));
            assertEquals("the orchestrator stopped", stopped.getMessage());
        }
        assertEquals(stoppedAt, only(Engine.status(journal)).step());
        assertEquals("shut off", libvirt.state(dom));

        try (Connection c = connect("--domain", dom)) {
            RunReport r = Engine.resume(c.provider(), journal, Clock.SYSTEM, RouteHarness.config(c));
            assertEquals(Step.REPAIRED, only(r).step(), only(r).toString());
        }
        try (Stream<Path> s = Files.list(commands)) {
            assertEquals(1, s.filter(p -> p.toString().endsWith(".json")).count(), "one fix command, found again by its name");
        }
        try (Stream<Path> s = Files.list(state.resolve("copies"))) {
            assertEquals(2, s.filter(p -> p.toString().endsWith(".json")).count(), "one snapshot and one copy");
        }
        Path copy = Path.of(bootFile(dom));
        assertNotEquals(disk, copy);
        assertFalse(images.faultyInPlace(copy));
        qemuImgCheck(copy);
        assertEquals(before, PracticeImages.sha256(disk));
        assertEquals("running", libvirt.state(dom));
        assertEquals(List.of("Defined Added", "Started Booted", "Stopped Shutdown", "Defined Updated", "Started Booted"), libvirt.events(dom));
    }

    /** bootmedic fails on the copy (no Windows on it): nothing is swapped, and a rollback started from that failed record puts everything back. */
    @Test
    void aFailedFixIsRolledBackFromFailed() throws Exception {
        Path disk = images.noWindows(tmp.resolve(dom + ".img"));
        libvirt.define(dom, TestDomains.withDisk(dom, TestDomains.WIN10, "destroy", TestDomains.fileDisk("raw", disk.toString(), "vda")));
        libvirt.virsh("start", dom);
        String before = PracticeImages.sha256(disk);
        Path file = tmp.resolve("journal.jsonl");
        FileJournalStore real = new FileJournalStore(file);
        io.bootmedic.cloud.engine.JournalStore stopsAtFailed = new io.bootmedic.cloud.engine.JournalStore() {
            @Override
            public String name() {
                return real.name();
            }

            @Override
            public byte[] readAll() {
                return real.readAll();
            }

            @Override
            public void append(byte[] line) {
                real.append(line);
                if (new String(line, java.nio.charset.StandardCharsets.UTF_8).contains("\"failed\":true")) {
                    throw new IllegalStateException("the orchestrator stopped");
                }
            }

            @Override
            public void truncate(long length) {
                real.truncate(length);
            }
        };
        try (Connection c = connect("--domain", dom)) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> Engine.run(c.provider(), stopsAtFailed, Clock.SYSTEM, RouteHarness.config(c), "abcd1234"));
        }
        VmRecord failed = only(Engine.status(real));
        assertTrue(failed.failed() && !failed.step().terminal(), failed.toString());
        assertTrue(failed.reason().contains("the fix ended FAILED"), failed.reason());
        assertEquals("shut off", libvirt.state(dom));
        assertTrue(Files.exists(Path.of(failed.copy())));

        try (Connection c = connect("--domain", dom)) {
            RunReport r = Engine.rollback(c.provider(), real, Clock.SYSTEM, RouteHarness.config(c), Set.of());
            assertEquals(Step.ROLLED_BACK, only(r).step(), only(r).toString());
        }
        assertEquals(disk.toString(), bootFile(dom), "never swapped");
        assertEquals("running", libvirt.state(dom));
        assertEquals(before, PracticeImages.sha256(disk));
        assertFalse(Files.exists(Path.of(failed.copy())), "the failed copy is deleted");
        assertTrue(Files.readString(state.resolve("commands/" + failed.command() + ".log")).contains("NO WINDOWS FOUND"));
    }

    @Test
    void aGuestThatIgnoresShutdownIsLeftRunningUntouchedUnlessForced() throws Exception {
        Path disk = images.raw(tmp.resolve(dom + ".img"));
        libvirt.define(dom, TestDomains.withDisk(dom, TestDomains.WIN10, "restart", TestDomains.fileDisk("raw", disk.toString(), "vda")));
        libvirt.virsh("start", dom);
        String before = PracticeImages.sha256(disk);
        List<Path> filesBefore = filesIn(tmp);

        try (Connection c = connect("--domain", dom, "--timeout", "1")) {
            VmRecord v = only(run(c));
            assertEquals(Step.ROLLED_BACK, v.step(), v.toString());
            assertTrue(v.reason().contains("did not power off within 1 s") && v.reason().contains("--force"), v.reason());
        }
        assertEquals("running", libvirt.state(dom));
        assertFalse(libvirt.events(dom).stream().anyMatch(e -> e.startsWith("Stopped")), libvirt.events(dom).toString());
        assertEquals(before, PracticeImages.sha256(disk));
        assertEquals(filesBefore, filesIn(tmp));

        // and the operator's own bootmedic (--bootmedic PATH), run by the fix's child process and waited for
        Path launcher = tmp.resolve("bootmedic");
        Files.writeString(launcher, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -XX:+UseSerialGC -cp '"
                + System.getProperty("java.class.path") + "' io.bootmedic.cli.Main \"$@\"\n");
        assertTrue(launcher.toFile().setExecutable(true));
        try (Connection c = connect("--domain", dom, "--timeout", "1", "--force", "--bootmedic", launcher.toString())) {
            VmRecord v = only(Engine.run(c.provider(), new MemoryJournalStore(), Clock.SYSTEM, RouteHarness.config(c), "efgh5678"));
            assertEquals(Step.REPAIRED, v.step(), v.toString());
            assertTrue(Files.readString(state.resolve("commands/" + v.command() + ".log")).contains("FIXED: "));
        }
        assertTrue(libvirt.events(dom).contains("Stopped Destroyed"), libvirt.events(dom).toString());
        assertFalse(images.faultyInPlace(Path.of(bootFile(dom))));
        assertEquals("running", libvirt.state(dom));
        assertEquals(before, PracticeImages.sha256(disk));
    }

    @Test
    void disksTheRouteCannotCopyAreRefusedBeforeAnyChange() throws Exception {
        Path file = images.qcow2(tmp.resolve(dom + ".qcow2"));
        Path fakeRaw = images.qcow2(tmp.resolve(dom + "-declared-raw.img"));
        String secret = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f";
        List<String[]> cases = List.of(
                new String[] {"rbd", "<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='rbd' name='rbd/vm-101-disk-0'>"
                        + "<host name='10.0.0.1' port='6789'/></source><target dev='vda' bus='virtio'/></disk>", "network storage (rbd rbd/vm-101-disk-0)"},
                new String[] {"luks", "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='" + file + "'>"
                        + "<encryption format='luks'><secret type='passphrase' uuid='" + secret + "'/></encryption></source>"
                        + "<target dev='vda' bus='virtio'/></disk>", "encrypted by qemu"},
                new String[] {"lvm", "<disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/vg0/vm-102-disk-0'/>"
                        + "<target dev='vda' bus='virtio'/></disk>", "host block device /dev/vg0/vm-102-disk-0"},
                new String[] {"vmdk", TestDomains.fileDisk("vmdk", file.toString(), "vda"), "bootmedic reads raw, qcow2, VHD (vpc) and VHDX"},
                new String[] {"shared", "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='" + file + "'/>"
                        + "<target dev='vda' bus='virtio'/><shareable/></disk>", "<shareable/>"},
                new String[] {"qcow-as-raw", TestDomains.fileDisk("raw", fakeRaw.toString(), "vda"), "declared raw but its header says qcow2"});
        for (String[] c : cases) {
            libvirt.define(dom + "-" + c[0], TestDomains.withDisk(dom + "-" + c[0], c[1]));
            libvirt.virsh("start", dom + "-" + c[0]);
        }
        // transient (gone after a shutdown) and a managed save image (resumed on a changed disk) are refused too
        Path t = images.raw(tmp.resolve(dom + "-transient.img"));
        libvirt.virsh("create", libvirt.writeXml(dom + "-transient", TestDomains.withDisk(dom + "-transient", TestDomains.fileDisk("raw", t.toString(), "vda"))).toString());
        Path m = images.raw(tmp.resolve(dom + "-saved.img"));
        libvirt.define(dom + "-saved", TestDomains.withDisk(dom + "-saved", TestDomains.fileDisk("raw", m.toString(), "vda")));
        libvirt.virsh("start", dom + "-saved");
        libvirt.virsh("managedsave", dom + "-saved");
        String before = PracticeImages.sha256(file);
        List<Path> filesBefore = filesIn(tmp);

        KvmProvider p;
        RunReport r;
        try (Connection c = connect("--all-matching", "^" + dom + "-")) {
            p = (KvmProvider) c.provider();
            r = run(c);
        }
        assertEquals(cases.size() + 2, r.vms().size());
        for (VmRecord v : r.vms()) {
            assertEquals(Step.SKIPPED, v.step(), v.toString());
            assertFalse(v.checksPassed());
        }
        for (String[] c : cases) {
            String why = p.refusals().get(uuid(dom + "-" + c[0]));
            assertTrue(why != null && why.contains(c[2]), c[0] + ": " + why);
            assertEquals("running", libvirt.state(dom + "-" + c[0]), c[0]);
            assertEquals(List.of("Defined Added", "Started Booted"), libvirt.events(dom + "-" + c[0]), c[0]);
        }
        assertTrue(p.refusals().get(uuid(dom + "-transient")).contains("transient"));
        assertTrue(p.refusals().get(uuid(dom + "-saved")).contains("managed save image"));
        assertEquals("running", libvirt.state(dom + "-transient"));
        assertEquals(before, PracticeImages.sha256(file));
        assertEquals(filesBefore, filesIn(tmp), "no snapshot or copy was made");
    }

    /**
     * Two guests at once on two slots (--parallel 2), one without libosinfo metadata known as Windows from its image
     * (--os-check image), one with a managed save image that --force drops before the swap; the copies go to --backup-dir.
     */
    @Test
    void twoGuestsInParallelWithOsCheckImageForceAndABackupDir() throws Exception {
        String a = dom + "-a", b = dom + "-b";
        Path backups = Files.createDirectories(tmp.resolve("backups"));
        Path diskA = images.qcow2(tmp.resolve(a + ".qcow2"));
        Path diskB = images.raw(tmp.resolve(b + ".img"));
        Path linuxLike = images.noWindows(tmp.resolve(dom + "-nowin.img"));
        libvirt.define(a, TestDomains.withDisk(a, null, "destroy", TestDomains.fileDisk("qcow2", diskA.toString(), "vda")));
        libvirt.define(b, TestDomains.withDisk(b, TestDomains.WIN10, "destroy", TestDomains.fileDisk("raw", diskB.toString(), "sda")));
        libvirt.define(dom + "-nowin", TestDomains.withDisk(dom + "-nowin", null, "destroy", TestDomains.fileDisk("raw", linuxLike.toString(), "vda")));
        for (String d : List.of(a, b, dom + "-nowin")) {
            libvirt.virsh("start", d);
        }
        libvirt.virsh("managedsave", b);
        String beforeA = PracticeImages.sha256(diskA), beforeB = PracticeImages.sha256(diskB);

        RunReport r;
        try (Connection c = connect("--all-matching", "^" + dom + "-", "--os-check", "image", "--parallel", "2", "--force", "--backup-dir",
                backups.toString())) {
            assertEquals(List.of("slot1", "slot2"), c.workers().get(0).devices());
            r = run(c);
        }
        VmRecord va = r.vms().stream().filter(v -> v.name().equals(a)).findFirst().orElseThrow();
        VmRecord vb = r.vms().stream().filter(v -> v.name().equals(b)).findFirst().orElseThrow();
        VmRecord vn = r.vms().stream().filter(v -> v.name().equals(dom + "-nowin")).findFirst().orElseThrow();
        assertEquals(Step.REPAIRED, va.step(), va.toString());
        assertEquals(Step.REPAIRED, vb.step(), vb.toString());
        assertEquals(Step.SKIPPED, vn.step(), "no Windows on its image: never stopped");
        assertEquals(List.of("Defined Added", "Started Booted"), libvirt.events(dom + "-nowin"));
        assertTrue(va.copy().startsWith(backups + "/") && vb.copy().startsWith(backups + "/"), va.copy() + " " + vb.copy());
        assertEquals(va.copy(), bootFile(a));
        assertEquals(vb.copy(), bootFile(b));
        assertEquals("running", libvirt.state(a));
        assertEquals("shut off", libvirt.state(b), "it was saved, not running: not started");
        assertTrue(libvirt.virsh("dominfo", b).matches("(?s).*Managed save: +no.*"), "the saved memory was dropped, never resumed on the repaired disk");
        assertFalse(images.faultyInPlace(Path.of(va.copy())));
        assertFalse(images.faultyInPlace(Path.of(vb.copy())));
        assertEquals(beforeA, PracticeImages.sha256(diskA));
        assertEquals(beforeB, PracticeImages.sha256(diskB));
    }

    @Test
    void theRouteRefusesBadOptionsInOneLineAndChangesNothing() throws Exception {
        IllegalArgumentException none = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RouteHarness.connect("test+unix:///default?socket=" + tmp.resolve("none"), state, "--domain", "x"));
        assertTrue(none.getMessage().startsWith("cannot connect to libvirt at test+unix:///default?socket=") && none.getMessage().endsWith("Nothing was changed."),
                none.getMessage());
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> connect()).getMessage().contains("name the domains"));
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> connect("--domain", "x", "--no-start")).getMessage()
                .contains("--no-start is not available"));
        Path csv = Files.writeString(tmp.resolve("d.csv"), "connect_uri,domain\n# a comment\n" + libvirt.uri() + ",one\ntwo\nqemu+ssh://other/system,three\n");
        IllegalArgumentException other = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> connect("--csv", csv.toString()));
        assertTrue(other.getMessage().contains("line 5 names qemu+ssh://other/system") && other.getMessage().contains("--connect qemu+ssh://other/system"),
                other.getMessage());
        Files.writeString(csv, "domain\n" + libvirt.uri() + "," + dom + "-one\n" + dom + "-two\n");
        assertEquals(List.of(dom + "-one", dom + "-two"), RouteHarness.settings(libvirt.uri(), state, "--csv", csv.toString()).domains());
        try (Connection c = connect("--domain", dom + "-missing")) {
            io.bootmedic.cloud.provider.CloudException e = org.junit.jupiter.api.Assertions.assertThrows(io.bootmedic.cloud.provider.CloudException.class,
                    () -> run(c));
            assertTrue(e.getMessage().contains("no domain named " + dom + "-missing") && e.getMessage().contains("nothing was changed"), e.getMessage());
        }
    }

    /** A stale file put back at the original's path (a restore, a remount) is not taken for the original by a rollback. */
    @Test
    void rollbackRefusesAnOriginalPathThatNamesAnotherFileNow() throws Exception {
        Path disk = images.raw(tmp.resolve(dom + ".img"));
        libvirt.define(dom, TestDomains.withDisk(dom, TestDomains.WIN10, "destroy", TestDomains.fileDisk("raw", disk.toString(), "vda")));
        libvirt.virsh("start", dom);
        FileJournalStore journal = new FileJournalStore(tmp.resolve("journal.jsonl"));
        try (Connection c = connect("--domain", dom)) {
            assertEquals(Step.REPAIRED, only(Engine.run(c.provider(), journal, Clock.SYSTEM, RouteHarness.config(c), "abcd1234")).step());
        }
        Path copy = Path.of(bootFile(dom));
        Path stale = images.noWindows(tmp.resolve("stale.img"));
        Files.move(stale, disk, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // the same path, another file
        String staleSum = PracticeImages.sha256(disk);
        try (Connection c = connect("--domain", dom)) {
            RunReport r = Engine.rollback(c.provider(), journal, Clock.SYSTEM, RouteHarness.config(c), Set.of());
            assertTrue(r.stuck().values().stream().anyMatch(w -> w.contains("names another file")), r.stuck().toString());
        }
        assertEquals(copy.toString(), bootFile(dom), "the domain is not pointed at the stale file");
        assertEquals(staleSum, PracticeImages.sha256(disk));
        assertTrue(Files.exists(copy));
    }

    /**
     * A boot disk that is a storage-pool volume (a dir pool, as virt-manager makes): resolved with virsh vol-path, swapped
     * to the repaired copy (a file disk), and a rollback defines the volume back exactly as it was.
     */
    @Test
    void aPoolVolumeBootDiskIsRepairedAndRolledBackToTheVolume() throws Exception {
        Path poolDir = Files.createDirectories(tmp.resolve("pool"));
        String pool = "pool-" + Long.toHexString(System.nanoTime());
        libvirt.virsh("pool-define-as", pool, "dir", "--target", poolDir.toString());
        libvirt.virsh("pool-start", pool);
        libvirt.virsh("vol-create-as", pool, dom + ".qcow2", "160M", "--format", "qcow2");
        Path disk = images.qcow2(poolDir.resolve(dom + ".qcow2")); // the test driver keeps no file: the volume's file is made here
        assertEquals(disk.toString(), libvirt.virsh("vol-path", "--pool", pool, dom + ".qcow2"));
        libvirt.define(dom, TestDomains.withDisk(dom, TestDomains.WIN10, "destroy", "<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/>"
                + "<source pool='" + pool + "' volume='" + dom + ".qcow2'/><target dev='vda' bus='virtio'/></disk>"));
        libvirt.virsh("start", dom);
        String before = PracticeImages.sha256(disk);
        String xmlBefore = libvirt.virsh("dumpxml", "--inactive", dom);
        FileJournalStore journal = new FileJournalStore(tmp.resolve("journal.jsonl"));
        try (Connection c = connect("--domain", dom)) {
            VmRecord v = only(Engine.run(c.provider(), journal, Clock.SYSTEM, RouteHarness.config(c), "abcd1234"));
            assertEquals(Step.REPAIRED, v.step(), v.toString());
            assertEquals(disk.toString(), v.original());
            assertTrue(v.copy().startsWith(poolDir + "/bm-abcd1234-"), v.copy());
            assertTrue(libvirt.virsh("dumpxml", "--inactive", dom).contains("<source file='" + v.copy() + "'/>"));
            assertFalse(images.faultyInPlace(Path.of(v.copy())));
        }
        try (Connection c = connect("--domain", dom)) {
            assertEquals(Step.ROLLED_BACK, only(Engine.rollback(c.provider(), journal, Clock.SYSTEM, RouteHarness.config(c), Set.of())).step());
        }
        assertEquals(xmlBefore, libvirt.virsh("dumpxml", "--inactive", dom), "the volume is the boot disk again, as it was defined");
        assertEquals(before, PracticeImages.sha256(disk));
        assertEquals("running", libvirt.state(dom));
    }
}
