package io.bootmedic.cloud.kvm;

import io.bootmedic.cloud.engine.Clock;
import io.bootmedic.cloud.engine.Engine;
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
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
