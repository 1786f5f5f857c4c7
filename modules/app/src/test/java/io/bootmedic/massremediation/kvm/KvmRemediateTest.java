package io.bootmedic.massremediation.kvm;

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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scripts/kvm/remediate.sh with the real virsh against libvirt's test driver hosted by a real
 * libvirtd ({@link LibvirtTestDaemon}: what that driver shows and what it does not), on real disk
 * images: the practice disk with the faulty channel file, raw or qcow2, repaired by the real
 * bootmedic. After each run the test reads the domain's state from libvirt, its lifecycle events,
 * the image through qemu-img and ntfs-3g, the copy's SHA-256 and the record file.
 */
class KvmRemediateTest {
    @TempDir
    static Path shared;
    static LibvirtTestDaemon libvirt;
    static PracticeImages images;
    @TempDir
    Path tmp;
    KvmScript script;
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
    void names(TestInfo info) throws Exception {
        script = new KvmScript(tmp);
        dom = "win-" + info.getTestMethod().orElseThrow().getName();
    }

    /** A running Windows guest on a qcow2 (or raw) copy of the practice disk, with a data disk. */
    private Path runningGuest(String format, String onPoweroff) throws Exception {
        Path disk = format.equals("qcow2") ? images.qcow2(tmp.resolve(dom + ".qcow2")) : images.raw(tmp.resolve(dom + ".img"));
        Path data = PracticeImages.dataDisk(tmp.resolve(dom + "-data.img"));
        libvirt.define(dom, DomainXml.windowsGuest(dom, format, disk.toString(), data.toString(), onPoweroff));
        libvirt.virsh("start", dom);
        return disk;
    }

    private KvmScript.Result kvm(String... args) throws Exception {
        return script.run(script.withDefaults(libvirt.uri(), args));
    }

    private static Path copyOf(Path disk) {
        return disk.resolveSibling(disk.getFileName() + ".bootmedic-orig");
    }

    @Test
    void fixShutsTheGuestDownKeepsACopyRepairsTheBootDiskAndStartsIt() throws Exception {
        Path disk = runningGuest("qcow2", "destroy");
        Path data = tmp.resolve(dom + "-data.img");
        String before = PracticeImages.sha256(disk);
        String dataBefore = PracticeImages.sha256(data);
        assertTrue(images.faultyInPlace(disk));

        KvmScript.Result r = kvm("fix", "--domain", dom);

        assertEquals(0, r.exit(), r.toString());
        assertFalse(images.faultyInPlace(disk), "ntfs-3g no longer finds the faulty file in the qcow2 image");
        assertTrue(images.quarantine(disk).contains(PracticeTree.FAULTY), "it is in bootmedic's quarantine");
        assertEquals(before, PracticeImages.sha256(copyOf(disk)), "the copy is the disk as it was");
        assertEquals(dataBefore, PracticeImages.sha256(data), "the data disk (listed first, no boot order) is untouched");
        assertEquals("running", libvirt.state(dom));
        assertEquals(List.of("Defined Added", "Started Booted", "Stopped Shutdown", "Started Booted"), libvirt.events(dom));
        assertEquals("fixed start " + copyOf(disk) + " 0", script.last(dom));
        List<String> steps = script.recordLines().stream().filter(c -> c.get(2).equals(dom)).map(c -> c.get(3) + "/" + c.get(4)).toList();
        assertEquals(List.of("in-progress/shutdown", "in-progress/copy", "in-progress/bootmedic", "in-progress/start", "fixed/start"), steps);
        assertTrue(script.recordLines().stream().allMatch(c -> c.get(1).equals(libvirt.uri()) && c.get(5).equals(disk.toString())
                && c.get(6).equals("qcow2") && c.get(8).equals("running")), script.recordLines().toString());
        assertTrue(r.out().contains("FIXED " + dom), r.out());
        assertTrue(r.out().contains("rollback --domain " + dom), r.out());
    }

    @Test
    void dryRunReadsOnly() throws Exception {
        Path disk = runningGuest("qcow2", "destroy");
        String off = dom + "-off";
        Path offDisk = images.raw(tmp.resolve(off + ".img"));
        libvirt.define(off, DomainXml.withDisk(off, "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='"
                + offDisk + "'/><target dev='sda' bus='sata'/></disk>"));
        String before = PracticeImages.sha256(disk);
        String offBefore = PracticeImages.sha256(offDisk);

        Path csv = Files.writeString(tmp.resolve("domains.csv"), "domain\n" + dom + "\n# the other one, with its URI\n" + libvirt.uri() + "," + off + "\n");

        KvmScript.Result r = kvm("fix", "--csv", csv.toString(), "--dry-run");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(before, PracticeImages.sha256(disk));
        assertEquals(offBefore, PracticeImages.sha256(offDisk));
        assertFalse(Files.exists(copyOf(disk)));
        assertFalse(Files.exists(copyOf(offDisk)));
        assertFalse(Files.exists(script.record), "a dry run records nothing");
        assertEquals("running", libvirt.state(dom));
        assertEquals("shut off", libvirt.state(off));
        assertEquals(List.of("Defined Added", "Started Booted"), libvirt.events(dom));
        assertEquals(List.of("Defined Added"), libvirt.events(off));
        assertTrue(r.out().contains("PLAN " + dom + " (boot disk vda: " + disk + ", qcow2"), r.out());
        assertTrue(r.out().contains("qcow2: backing file: none; internal snapshots: 0"), r.out());
        assertTrue(r.out().contains("PLAN " + off + " (boot disk sda: " + offDisk + ", raw"), r.out());
        assertTrue(r.out().contains("scan| ") && r.out().contains("faulty"), "the shut-off domain's disk is scanned read-only:\n" + r.out());
        assertTrue(r.out().contains("not scanned: the domain is running"), r.out());
        assertTrue(r.out().contains("DRY RUN: nothing was changed"), r.out());
    }

    @Test
    void aGuestThatIgnoresShutdownIsLeftRunningUntouchedUnlessForced() throws Exception {
        Path disk = runningGuest("raw", "restart"); // <on_poweroff>restart: the test driver keeps it running
        String before = PracticeImages.sha256(disk);

        KvmScript.Result r = kvm("fix", "--domain", dom, "--timeout", "1");

        assertEquals(1, r.exit(), r.toString());
        assertEquals("running", libvirt.state(dom));
        assertEquals(before, PracticeImages.sha256(disk));
        assertFalse(Files.exists(copyOf(disk)));
        assertTrue(r.out().contains("FAILED " + dom + " at step 'shutdown'"), r.out());
        assertTrue(r.out().contains("--force"), r.out());
        assertEquals("failed shutdown  ", script.last(dom));

        KvmScript.Result forced = kvm("fix", "--domain", dom, "--timeout", "1", "--force");

        assertEquals(0, forced.exit(), forced.toString());
        assertTrue(libvirt.events(dom).contains("Stopped Destroyed"), libvirt.events(dom).toString());
        assertFalse(images.faultyInPlace(disk));
        assertEquals(before, PracticeImages.sha256(copyOf(disk)));
        assertEquals("running", libvirt.state(dom));
        assertEquals("fixed start " + copyOf(disk) + " 0", script.last(dom));
    }

    @Test
    void rollbackPutsTheCopyBack() throws Exception {
        Path disk = runningGuest("qcow2", "destroy");
        String before = PracticeImages.sha256(disk);
        assertEquals(0, kvm("fix", "--domain", dom).exit());

        KvmScript.Result r = kvm("rollback", "--domain", dom);

        assertEquals(0, r.exit(), r.toString());
        assertEquals(before, PracticeImages.sha256(disk), "the disk is byte for byte as before the fix");
        assertFalse(Files.exists(copyOf(disk)));
        assertEquals("running", libvirt.state(dom));
        assertTrue(script.last(dom).startsWith("rolled-back start "), script.last(dom));
        KvmScript.Result again = kvm("rollback", "--domain", dom);
        assertEquals(1, again.exit(), "nothing left to roll back");
        assertTrue(again.out().contains("no copy to put back"), again.out());
        assertEquals(before, PracticeImages.sha256(disk));
    }

    @Test
    void aSecondRunNeverReplacesTheFirstCopyAndCleanupDeletesItOnce() throws Exception {
        Path disk = runningGuest("qcow2", "destroy");
        String before = PracticeImages.sha256(disk);
        assertEquals(0, kvm("fix", "--domain", dom).exit());
        String repaired = PracticeImages.sha256(disk);

        KvmScript.Result skipped = kvm("fix", "--domain", dom);
        assertEquals(0, skipped.exit(), skipped.toString());
        assertTrue(skipped.out().contains("skipped " + dom), skipped.out());
        assertEquals(repaired, PracticeImages.sha256(disk), "a done domain is not touched again");

        KvmScript.Result forced = kvm("fix", "--domain", dom, "--force");
        assertEquals(0, forced.exit(), forced.toString());
        assertEquals(before, PracticeImages.sha256(copyOf(disk)), "the copy is still the disk as it was before the first run");

        KvmScript.Result cleanup = kvm("cleanup", "--domain", dom);
        assertEquals(0, cleanup.exit(), cleanup.toString());
        assertFalse(Files.exists(copyOf(disk)), "cleanup deletes the copy of a fixed domain");
        assertTrue(script.last(dom).startsWith("cleaned cleanup " + copyOf(disk)), script.last(dom));
        KvmScript.Result again = kvm("cleanup", "--domain", dom);
        assertEquals(0, again.exit());
        assertTrue(again.err().contains("no copy kept"), again.toString());
        assertTrue(kvm("rollback", "--domain", dom).out().contains("no copy to put back"));
    }

    @Test
    void bootmedicFailingLeavesTheDomainOffWithItsCopyAndARetryKeepsThatCopy() throws Exception {
        Path disk = images.noWindows(tmp.resolve(dom + ".img"));
        libvirt.define(dom, DomainXml.withDisk(dom, "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='"
                + disk + "'/><target dev='vda' bus='virtio'/></disk>"));
        libvirt.virsh("start", dom);
        String before = PracticeImages.sha256(disk);

        KvmScript.Result r = kvm("fix", "--domain", dom);

        assertEquals(1, r.exit(), r.toString());
        assertEquals("shut off", libvirt.state(dom), "not started on a disk bootmedic did not fix");
        assertEquals(before, PracticeImages.sha256(copyOf(disk)));
        assertTrue(r.out().contains("FAILED " + dom + " at step 'bootmedic'"), r.out());
        assertTrue(r.out().contains("no Windows installation found"), r.out());
        assertEquals("failed bootmedic " + copyOf(disk) + " 4", script.last(dom));

        KvmScript.Result retry = kvm("fix", "--domain", dom);
        assertEquals(1, retry.exit());
        assertTrue(retry.err().contains("keeping the copy " + copyOf(disk)), retry.err());
        assertEquals(before, PracticeImages.sha256(copyOf(disk)));
        KvmScript.Result kept = kvm("cleanup");
        assertTrue(kept.err().contains("keeping " + copyOf(disk)), kept.toString());
        assertTrue(Files.exists(copyOf(disk)));
    }

    @Test
    void disksTheRouteCannotCopyAreRefusedBeforeAnyChange() throws Exception {
        Path file = images.qcow2(tmp.resolve(dom + ".qcow2"));
        Path fakeRaw = images.qcow2(tmp.resolve(dom + "-declared-raw.img"));
        String secret = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f";
        List<String[]> cases = List.of(
                new String[] {"rbd", "<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='rbd' name='rbd/vm-101-disk-0'>"
                        + "<host name='10.0.0.1' port='6789'/></source><target dev='vda' bus='virtio'/></disk>", "network storage (rbd rbd/vm-101-disk-0)"},
                new String[] {"iscsi", "<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='iscsi' name='iqn.2024-07.example:t/1'>"
                        + "<host name='10.0.0.2' port='3260'/></source><target dev='sda' bus='scsi'/></disk>", "network storage (iscsi"},
                new String[] {"luks", "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='" + file + "'>"
                        + "<encryption format='luks'><secret type='passphrase' uuid='" + secret + "'/></encryption></source>"
                        + "<target dev='vda' bus='virtio'/></disk>", "encrypted by qemu (luks)"},
                new String[] {"lvm", "<disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/vg0/vm-102-disk-0'/>"
                        + "<target dev='vda' bus='virtio'/></disk>", "host block device /dev/vg0/vm-102-disk-0"},
                new String[] {"vmdk", "<disk type='file' device='disk'><driver name='qemu' type='vmdk'/><source file='" + file + "'/>"
                        + "<target dev='vda' bus='virtio'/></disk>", "bootmedic reads raw, qcow2, VHD (vpc) and VHDX"},
                new String[] {"qcow-as-raw", "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='" + fakeRaw + "'/>"
                        + "<target dev='vda' bus='virtio'/></disk>", "declared raw but starts with a qcow2 header"});
        for (String[] c : cases) {
            libvirt.define(dom + "-" + c[0], DomainXml.withDisk(dom + "-" + c[0], c[1]));
            libvirt.virsh("start", dom + "-" + c[0]);
        }
        String before = PracticeImages.sha256(file);

        KvmScript.Result r = kvm("fix", "--all-matching", "^" + dom + "-");

        assertEquals(1, r.exit(), r.toString());
        for (String[] c : cases) {
            assertTrue(r.out().contains("FAILED " + dom + "-" + c[0] + ": REFUSED: ") && r.out().contains(c[2]), c[0] + ":\n" + r.out());
            assertEquals("running", libvirt.state(dom + "-" + c[0]), c[0]);
            assertEquals(List.of("Defined Added", "Started Booted"), libvirt.events(dom + "-" + c[0]), c[0]);
        }
        assertTrue(r.out().contains("6 domain(s) not fixed"), r.out());
        assertEquals(before, PracticeImages.sha256(file));
        assertFalse(Files.exists(copyOf(file)));
        assertFalse(Files.exists(script.record), "refused before any change: nothing to record");
    }

    @Test
    void aTransientDomainIsRefusedAndAManagedSaveNeedsForce() throws Exception {
        Path disk = images.raw(tmp.resolve(dom + ".img"));
        Path xml = libvirt.writeXml(dom, DomainXml.withDisk(dom, "<disk type='file' device='disk'><source file='" + disk
                + "'/><target dev='vda' bus='virtio'/></disk>"));
        libvirt.virsh("create", xml.toString()); // running, never defined: gone after a shutdown

        KvmScript.Result r = kvm("fix", "--domain", dom);

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.out().contains("the domain is transient"), r.out());
        assertEquals("running", libvirt.state(dom));
        assertFalse(Files.exists(copyOf(disk)));

        libvirt.virsh("define", libvirt.writeXml(dom + "-live", libvirt.virsh("dumpxml", dom)).toString()); // same uuid: now persistent
        libvirt.virsh("managedsave", dom); // saved memory that 'virsh start' would resume on the changed disk
        KvmScript.Result saved = kvm("fix", "--domain", dom);
        assertEquals(1, saved.exit(), saved.toString());
        assertTrue(saved.out().contains("managed save image"), saved.out());
        assertTrue(images.faultyInPlace(disk));

        KvmScript.Result forced = kvm("fix", "--domain", dom, "--force");
        assertEquals(0, forced.exit(), forced.toString());
        assertTrue(libvirt.virsh("dominfo", dom).matches("(?s).*Managed save: +no.*"), "the saved state was dropped, not resumed");
        assertFalse(images.faultyInPlace(disk));
        assertEquals("running", libvirt.state(dom));
    }

    @Test
    void aTermDuringTheShutdownWaitIsRecordedAndResumeFinishesIt() throws Exception {
        Path disk = runningGuest("qcow2", "restart");
        String before = PracticeImages.sha256(disk);

        Process p = script.start(script.withDefaults(libvirt.uri(), "fix", "--domain", dom, "--timeout", "60"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!script.last(dom).startsWith("in-progress shutdown")) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "the script reached the shutdown wait");
            Thread.sleep(50);
        }
        Thread.sleep(300); // it is polling domstate now
        p.destroy(); // SIGTERM to bash
        KvmScript.Result r = script.finish(p, 30);

        assertEquals(143, r.exit(), r.toString());
        assertTrue(r.out().contains("INTERRUPTED " + dom + " at step 'shutdown' (TERM)"), r.out());
        assertTrue(r.out().contains("The disk was not written. The domain is 'running'."), r.out());
        assertTrue(script.last(dom).startsWith("interrupted shutdown"), script.last(dom));
        assertEquals(before, PracticeImages.sha256(disk));
        assertEquals("running", libvirt.state(dom));

        KvmScript.Result resumed = kvm("resume", "--timeout", "1", "--force");

        assertEquals(0, resumed.exit(), resumed.toString());
        assertFalse(images.faultyInPlace(disk));
        assertEquals(before, PracticeImages.sha256(copyOf(disk)));
        assertEquals("running", libvirt.state(dom));
        assertEquals("fixed start " + copyOf(disk) + " 0", script.last(dom));
        KvmScript.Result again = kvm("resume");
        assertEquals(0, again.exit());
        assertTrue(again.err().contains("no interrupted run"), again.toString());
    }

    /**
     * A kill -9 (or a host crash) leaves no trap to run: the record's last line is an in-progress one.
     * Domain A was killed right after its copy got its name (complete, disk not yet written): resume
     * takes that copy instead of refusing a copy the record does not name. Domain B was killed in a
     * rollback after the move: resume only starts it.
     */
    @Test
    void resumeAfterAKillTakesTheFinishedCopyAndCompletesAMovedRollback() throws Exception {
        String a = dom + "-a", b = dom + "-b";
        Path diskA = images.qcow2(tmp.resolve(a + ".qcow2"));
        Path diskB = images.qcow2(tmp.resolve(b + ".qcow2"));
        for (String[] d : new String[][] {{a, diskA.toString()}, {b, diskB.toString()}}) {
            libvirt.define(d[0], DomainXml.withDisk(d[0], "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='"
                    + d[1] + "'/><target dev='vda' bus='virtio'/></disk>"));
        }
        Files.copy(diskA, copyOf(diskA)); // the killed run's finished copy of A; both domains are shut off, as it left them
        String before = PracticeImages.sha256(diskA);
        String u = libvirt.uri();
        Files.writeString(script.record, String.join("\n",
                "time\tconnect\tdomain\tresult\tstep\tdisk\tformat\tbackup\tstate_before\tbootmedic_exit",
                "2024-07-19T06:00:00Z\t" + u + "\t" + a + "\tin-progress\tshutdown\t" + diskA + "\tqcow2\t\trunning\t",
                "2024-07-19T06:00:05Z\t" + u + "\t" + a + "\tin-progress\tcopy\t" + diskA + "\tqcow2\t\trunning\t",
                "2024-07-19T06:00:00Z\t" + u + "\t" + b + "\tfixed\tstart\t" + diskB + "\tqcow2\t" + copyOf(diskB) + "\trunning\t0",
                "2024-07-19T07:00:00Z\t" + u + "\t" + b + "\trolling-back\tshutdown\t" + diskB + "\tqcow2\t" + copyOf(diskB) + "\trunning\t",
                "2024-07-19T07:00:01Z\t" + u + "\t" + b + "\trolling-back\trestore\t" + diskB + "\tqcow2\t" + copyOf(diskB) + "\trunning\t") + "\n");

        KvmScript.Result r = kvm("resume");

        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains("taking " + copyOf(diskA) + ", completed by the interrupted run"), r.err());
        assertFalse(images.faultyInPlace(diskA));
        assertEquals(before, PracticeImages.sha256(copyOf(diskA)));
        assertEquals("fixed start " + copyOf(diskA) + " 0", script.last(a));
        assertEquals("running", libvirt.state(a));
        assertTrue(r.out().contains("ROLLED BACK " + b), r.out());
        assertTrue(script.last(b).startsWith("rolled-back start"), script.last(b));
        assertEquals("running", libvirt.state(b));
        assertTrue(images.faultyInPlace(diskB), "B's disk is the original again, untouched by resume");
    }

    @Test
    void noConnectionToLibvirtIsExitThree() throws Exception {
        KvmScript.Result r = script.run("fix", "--domain", "x", "--connect", "test+unix:///default?socket=" + tmp.resolve("none"),
                "--record", script.record.toString(), "--bootmedic", script.launcher.toString());
        assertEquals(3, r.exit(), r.toString());
        assertTrue(r.err().contains("cannot connect to libvirt"), r.err());
    }
}
