package io.bootmedic.cloud.kvm;

import io.bootmedic.cloud.engine.Naming;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.cloud.provider.CloudProvider;
import io.bootmedic.cloud.provider.Model.CommandInfo;
import io.bootmedic.cloud.provider.Model.DiskInfo;
import io.bootmedic.cloud.provider.Model.DiskState;
import io.bootmedic.cloud.provider.Model.Encryption;
import io.bootmedic.cloud.provider.Model.Group;
import io.bootmedic.cloud.provider.Model.Os;
import io.bootmedic.cloud.provider.Model.Scan;
import io.bootmedic.cloud.provider.Model.SnapshotInfo;
import io.bootmedic.cloud.provider.Model.SnapshotState;
import io.bootmedic.cloud.provider.Model.VmInfo;
import io.bootmedic.cloud.provider.Model.VmRef;
import io.bootmedic.image.block.ImageLock;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * libvirt as the engine's cloud. VMs are domains (by UUID); a disk is an image file (by path); a snapshot is a
 * point-in-time copy of the boot disk's file and a copy is a new file made from it, both in the disk's own format, next
 * to it (or in --backup-dir), named by the engine; the worker is this host, whose "devices" are slots (--parallel);
 * attaching a copy takes qemu's image lock on it, and the fix is {@code bootmedic fix --image COPY} in a child process
 * that takes that lock itself; the swap redefines the domain with the copy as its boot disk's file. Every call is one
 * virsh call or one file operation; no call waits or retries.
 */
public final class KvmProvider implements CloudProvider {
    /** Names become file names (NAME.qcow2, NAME.qcow2.partial, NAME.json): well under the 255 bytes of a file name. */
    static final int MAX_NAME = 200;
    private static final String WINDOWS_OSINFO = "http://microsoft.com/win";

    private final KvmSettings s;
    private final Virsh virsh;
    private final Domains domains;
    private final Catalog catalog;
    private final FixCommands commands;
    private final Copies copies;
    private final PrintStream notes;
    private final Map<String, ImageLock> attachLocks = new HashMap<>();
    private final Map<String, Long> shutdownSent = new HashMap<>();
    private final Map<String, Os> imageOs = new HashMap<>();
    private final Map<String, FileIdentity> pinned = new HashMap<>();
    private final Map<String, String> refusals = new LinkedHashMap<>();
    private final Set<String> reported = new java.util.HashSet<>();

    public KvmProvider(KvmSettings settings, PrintStream notes) {
        this.s = settings;
        this.virsh = new Virsh("virsh", settings.uri(), settings.virshTimeoutMillis());
        this.domains = new Domains(virsh, settings.diskTarget());
        this.catalog = new Catalog(settings.stateDir());
        this.commands = new FixCommands(settings.stateDir(), settings.bootmedic());
        this.copies = new Copies(settings.stateDir());
        this.notes = notes;
    }

    /** Why each domain the checks refused was refused, by UUID (the engine records the same reason). */
    public Map<String, String> refusals() {
        return Map.copyOf(refusals);
    }

    /** Lets go of the locks this process holds on copies lent to slots (a resumed run takes them again at attach). */
    public void close() {
        attachLocks.values().forEach(ImageLock::close);
        attachLocks.clear();
    }

    @Override
    public int maxNameLength() {
        return MAX_NAME;
    }

    @Override
    public List<VmRef> discover() {
        Set<String> names = new LinkedHashSet<>(s.domains());
        if (s.matching() != null) {
            Pattern p = Pattern.compile(s.matching());
            for (String n : virsh.run("list", "--all", "--name").lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
                if (p.matcher(n).find()) {
                    names.add(n);
                }
            }
        }
        List<VmRef> out = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (String n : names) {
            try {
                String uuid = virsh.run("domuuid", n).strip().toLowerCase(Locale.ROOT);
                if (seen.add(uuid)) {
                    out.add(new VmRef(uuid, uuid, n));
                }
            } catch (CloudException e) {
                if (e.kind() != Kind.NOT_FOUND) {
                    throw e;
                }
                missing.add(n);
            }
        }
        if (!missing.isEmpty()) {
            throw new CloudException(Kind.FATAL, "no domain named " + String.join(", ", missing) + (s.uri() != null ? " at " + s.uri() : "")
                    + " (virsh list --all shows the names); nothing was changed");
        }
        return out;
    }

    @Override
    public VmInfo describeVm(String uuid) {
        Domains.Domain d = domains.read(uuid);
        if (d.state().equals("shut off")) {
            shutdownSent.remove(uuid); // the stop took: a later one gets its own --timeout
        }
        DomainXml.BootDisk b = domains.boot(d);
        String no = b.refusal();
        if (no == null && !d.persistent()) {
            no = "the domain is transient: after a shutdown libvirt forgets it and it cannot be started again. Define it first"
                    + " (virsh dumpxml NAME > NAME.xml; virsh define NAME.xml)";
        }
        if (no == null && d.managedSave() && !s.force()) {
            no = "it has a managed save image; starting it would resume that saved memory on a changed disk. Drop it (virsh managedsave-remove NAME)"
                    + " or pass --force";
        }
        if (no == null && s.remote() && !s.sharedStorage()) {
            no = s.uri() + " is another host, but bootmedic works here on " + b.path() + ". Run it on that host, or pass --shared-storage if that"
                    + " path is the same shared file here";
        }
        if (no == null) {
            no = ImageCheck.refusal(Path.of(b.path()), b.format());
        }
        if (no == null && s.remote()) {
            no = SharedStorage.refusal(virsh, Path.of(b.path()));
        }
        if (no == null) {
            try {
                FileIdentity now = FileIdentity.of(Path.of(b.path()));
                FileIdentity first = pinned.putIfAbsent(b.path(), now);
                if (first != null && !first.equals(now)) {
                    no = b.path() + " names another file than when it was first read (" + first + ", now " + now + "): a remount or a moved file";
                }
            } catch (IOException e) {
                no = "its boot disk " + b.path() + " cannot be read here (" + e.getMessage() + ")";
            }
        }
        if (no != null && refusals.put(uuid, no) == null) {
            notes.println("kvm: " + d.xml().name() + ": not touched: " + no + ".");
        }
        Os os = os(uuid, d.xml(), no == null ? b.path() : null);
        // a refused disk is the engine's reason to skip the domain (VmInfo.unsupported), never a missing boot disk,
        // which on a stopped domain would read as a swap torn between its calls
        return new VmInfo(uuid, uuid, Domains.power(d.state()), os, Group.NONE, Encryption.NONE, false, b.path(), Map.of(), null, no);
    }

    /** libosinfo's id first; without one, the image itself when --os-check image (read only, remembered). */
    private Os os(String uuid, DomainXml xml, String disk) {
        String id = xml.osId();
        if (id != null) {
            return id.startsWith(WINDOWS_OSINFO) ? Os.WINDOWS : Os.LINUX; // any other OS is treated as never to be touched
        }
        if (!s.osFromImage() || disk == null) {
            return Os.UNKNOWN;
        }
        return imageOs.computeIfAbsent(uuid + " " + disk, k -> switch (bootmedic("scan", "--image", disk)) {
            case 0, 1, 3 -> Os.WINDOWS; // clean, work found, BitLocker-locked: a Windows volume is there
            case 4 -> Os.LINUX; // no Windows volume on the disk
            default -> Os.UNKNOWN;
        });
    }

    /** bootmedic's command line in this JVM, read-only commands only; returns the exit code. */
    private static int bootmedic(String... args) {
        StringWriter sink = new StringWriter();
        return io.bootmedic.cloud.route.BootmedicCli.load().run(args, new PrintWriter(sink, true), new PrintWriter(sink, true));
    }

    @Override
    public Scan scan(String uuid) {
        Domains.Domain d = domains.read(uuid);
        DomainXml.BootDisk b = domains.boot(d);
        if (b.refusal() != null) {
            return Scan.UNKNOWN;
        }
        // read only and without the lock: a running guest may be writing, so a scan that cannot read the image says UNKNOWN
        return switch (bootmedic("scan", "--image", b.path())) {
            case 0 -> Scan.CLEAN;
            case 1 -> Scan.NEEDS_FIX;
            default -> Scan.UNKNOWN;
        };
    }

    @Override
    public void stopVm(String uuid) {
        long now = System.currentTimeMillis();
        Long first = shutdownSent.get(uuid);
        if (first != null && now - first >= s.shutdownTimeoutMillis()) {
            if (!s.force()) {
                throw new CloudException(Kind.FATAL, "the guest did not power off within " + s.shutdownTimeoutMillis() / 1000 + " s of its ACPI shutdown"
                        + " (a boot-looping guest often ignores it); nothing was written. Run again with --force to power it off (virsh destroy)"
                        + " after --timeout");
            }
            virsh.run("destroy", uuid);
            return;
        }
        // the clock starts at the first request, whatever libvirt answers (a paused guest refuses an ACPI shutdown: --force destroys it)
        shutdownSent.putIfAbsent(uuid, now);
        virsh.run("shutdown", uuid);
    }

    @Override
    public void startVm(String uuid) {
        shutdownSent.remove(uuid); // a later stop (a rollback's) gets its own --timeout
        virsh.run("start", uuid);
    }

    @Override
    public DiskInfo describeDisk(String diskId) {
        Optional<Catalog.Entry> e = catalog.byFile(diskId).filter(x -> x.kind() == Catalog.Kind.COPY);
        if (e.isEmpty()) {
            if (!Files.isRegularFile(Path.of(diskId))) {
                throw new CloudException(Kind.NOT_FOUND, "no image file " + diskId);
            }
            return new DiskInfo(diskId, Path.of(diskId).getFileName().toString(), DiskState.AVAILABLE, null, null, null, Map.of());
        }
        Catalog.Entry c = e.get();
        DiskState state = switch (copies.state(c.name(), Path.of(c.file()))) {
            case RUNNING -> DiskState.CREATING;
            case FAILED -> DiskState.ERROR;
            case DONE -> c.attachedTo() != null ? DiskState.IN_USE : DiskState.AVAILABLE;
        };
        if (state == DiskState.ERROR && reported.add(c.name())) {
            notes.println("kvm: copy " + c.file() + " failed: " + copies.why(c.name()));
        }
        return new DiskInfo(diskId, c.name(), state, c.attachedTo(), c.device(), c.source(), c.tags());
    }

    @Override
    public Optional<DiskInfo> findDisk(String name) {
        // a copy that failed left no file: nothing to find, nothing to delete
        return catalog.byName(name).filter(e -> e.kind() == Catalog.Kind.COPY).map(e -> describeDisk(e.file()))
                .filter(d -> d.state() != DiskState.ERROR);
    }

    @Override
    public SnapshotInfo describeSnapshot(String snapshotId) {
        Catalog.Entry e = catalog.byFile(snapshotId).filter(x -> x.kind() == Catalog.Kind.SNAPSHOT)
                .orElseThrow(() -> new CloudException(Kind.NOT_FOUND, "no snapshot " + snapshotId));
        return snapshotInfo(e);
    }

    private SnapshotInfo snapshotInfo(Catalog.Entry e) {
        SnapshotState state = switch (copies.state(e.name(), Path.of(e.file()))) {
            case RUNNING -> SnapshotState.PENDING;
            case FAILED -> SnapshotState.ERROR;
            case DONE -> SnapshotState.COMPLETED;
        };
        if (state == SnapshotState.ERROR && reported.add(e.name())) {
            notes.println("kvm: snapshot " + e.file() + " failed: " + copies.why(e.name()));
        }
        return new SnapshotInfo(e.file(), e.name(), state, e.source(), e.tags());
    }

    @Override
    public Optional<SnapshotInfo> findSnapshot(String name) {
        return catalog.byName(name).filter(e -> e.kind() == Catalog.Kind.SNAPSHOT).map(this::snapshotInfo);
    }

    /** Where a snapshot or copy of {@code source} goes, named {@code name} with the source's extension (its format's when it has none). */
    private Path placeFor(Path source, String name, String format) {
        String base = source.getFileName().toString();
        int dot = base.lastIndexOf('.');
        String ext = dot > 0 && dot < base.length() - 1 ? base.substring(dot + 1) : format;
        Path dir = s.backupDir() != null ? s.backupDir() : source.toAbsolutePath().getParent();
        return dir.resolve(name + "." + ext);
    }

    @Override
    public String createSnapshot(String diskId, String name, Map<String, String> tags) {
        Path src = Path.of(diskId);
        if (catalog.byName(name).isPresent()) {
            throw new CloudException(Kind.ALREADY_EXISTS, "a snapshot or copy named " + name + " exists");
        }
        if (catalog.byFile(diskId).isPresent()) {
            throw new CloudException(Kind.FATAL, diskId + " is a snapshot or copy this route made, not a domain's original disk");
        }
        if (!Files.isRegularFile(src)) {
            throw new CloudException(Kind.NOT_FOUND, "no image file " + diskId);
        }
        String format;
        FileIdentity id;
        try {
            format = ImageCheck.detect(src);
            id = FileIdentity.of(src);
        } catch (IOException e) {
            throw new CloudException(Kind.FATAL, "cannot read " + diskId + ": " + e.getMessage());
        }
        Path target = placeFor(src, name, format);
        FileIdentity expect = pinned.getOrDefault(diskId, id);
        ImageCopier.check(src, target, expect);
        // the catalog first: a copy that a crash left running is found by its name
        Catalog.Entry entry = new Catalog.Entry(Catalog.Kind.SNAPSHOT, name, target.toString(), format, diskId, expect, Map.copyOf(tags), null, null);
        String domain = tags.get(Naming.TAG_SOURCE);
        if (domain != null) {
            DomainXml.BootDisk b = domains.boot(domains.read(domain));
            if (b.isVolume() && diskId.equals(b.path())) {
                entry = entry.fromVolume(b.pool(), b.volume()); // a rollback defines the volume back, not its file
            }
        }
        catalog.put(entry);
        copies.start(name, src, target, expect);
        return target.toString();
    }

    @Override
    public String createDisk(String snapshotId, String name, Map<String, String> tags) {
        Catalog.Entry snap = catalog.byFile(snapshotId).filter(e -> e.kind() == Catalog.Kind.SNAPSHOT)
                .orElseThrow(() -> new CloudException(Kind.NOT_FOUND, "no snapshot " + snapshotId));
        if (catalog.byName(name).isPresent()) {
            throw new CloudException(Kind.ALREADY_EXISTS, "a snapshot or copy named " + name + " exists");
        }
        if (copies.state(snap.name(), Path.of(snap.file())) != Copies.State.DONE) {
            throw new CloudException(Kind.CONFLICT, "snapshot " + snapshotId + " is not complete: no copy from it");
        }
        Path src = Path.of(snap.file());
        Path target = placeFor(src, name, snap.format());
        FileIdentity id;
        try {
            id = FileIdentity.of(src);
        } catch (IOException e) {
            throw new CloudException(Kind.NOT_FOUND, "no snapshot " + snapshotId + " (" + e.getMessage() + ")");
        }
        ImageCopier.check(src, target, id);
        catalog.put(new Catalog.Entry(Catalog.Kind.COPY, name, target.toString(), snap.format(), snapshotId, id, Map.copyOf(tags), null, null));
        copies.start(name, src, target, id);
        return target.toString();
    }

    private Catalog.Entry copyEntry(String diskId) {
        Catalog.Entry e = catalog.byFile(diskId).filter(x -> x.kind() == Catalog.Kind.COPY)
                .orElseThrow(() -> new CloudException(Kind.NOT_FOUND, diskId + " is not a copy this route made"));
        if (copies.state(e.name(), Path.of(e.file())) != Copies.State.DONE) {
            throw new CloudException(Kind.CONFLICT, diskId + " is not complete");
        }
        return e;
    }

    private void checkSlot(String worker, String device) {
        if (!s.worker().equals(worker)) {
            throw new CloudException(Kind.FATAL, "no worker " + worker + " here (this host is " + s.worker() + ")");
        }
        if (!device.matches("slot[0-9]+") || Integer.parseInt(device.substring(4)) < 1 || Integer.parseInt(device.substring(4)) > s.slots()) {
            throw new CloudException(Kind.FATAL, "no slot " + device + " on " + worker + " (it has slot1..slot" + s.slots() + ")");
        }
    }

    @Override
    public void attachDisk(String diskId, String workerId, String device) {
        checkSlot(workerId, device);
        Catalog.Entry e = copyEntry(diskId);
        if (e.attachedTo() != null) {
            throw new CloudException(Kind.CONFLICT, diskId + " is already on " + e.attachedTo() + " at " + e.device());
        }
        if (catalog.copies().anyMatch(o -> workerId.equals(o.attachedTo()) && device.equals(o.device()))) {
            throw new CloudException(Kind.CONFLICT, "slot " + device + " of " + workerId + " holds another copy");
        }
        ImageLock lock;
        try {
            lock = ImageCopier.lock(Path.of(diskId));
        } catch (CloudException held) {
            throw new CloudException(Kind.FATAL, held.getMessage()); // a qemu has the new copy open: something uses it that must not
        }
        catalog.put(e.attached(workerId, device));
        attachLocks.put(diskId, lock);
    }

    @Override
    public void detachDisk(String diskId, String workerId) {
        Catalog.Entry e = copyEntry(diskId);
        if (e.attachedTo() == null || !e.attachedTo().equals(workerId)) {
            throw new CloudException(Kind.CONFLICT, diskId + " is not on " + workerId);
        }
        if (commands.writerAlive(diskId)) {
            throw new CloudException(Kind.FATAL, "a bootmedic still writes " + diskId + ": not taken off " + workerId);
        }
        ImageLock l = attachLocks.remove(diskId);
        if (l != null) {
            l.close();
        }
        catalog.put(e.attached(null, null));
    }

    @Override
    public void setBootDisk(String uuid, String diskId) {
        Domains.Domain d = domains.read(uuid);
        if (!d.state().equals("shut off")) {
            throw new CloudException(Kind.CONFLICT, "the domain is '" + d.state() + "': its boot disk changes only while it is shut off");
        }
        if (!d.persistent()) {
            throw new CloudException(Kind.FATAL, "the domain is transient: a new definition would not outlive it");
        }
        DomainXml.BootDisk b = domains.boot(d);
        if (b.path() == null) {
            throw new CloudException(Kind.FATAL, "the domain has no file boot disk: " + b.refusal());
        }
        if (b.path().equals(diskId)) {
            return;
        }
        Optional<Catalog.Entry> target = catalog.byFile(diskId);
        Optional<Catalog.Entry> snap = Optional.empty();
        if (target.isPresent()) {
            Catalog.Entry c = target.get();
            if (c.kind() != Catalog.Kind.COPY || !uuid.equalsIgnoreCase(c.tags().get(Naming.TAG_SOURCE))) {
                throw new CloudException(Kind.FATAL, diskId + " is not a copy made for this domain");
            }
            if (c.attachedTo() != null) {
                throw new CloudException(Kind.CONFLICT, diskId + " is still on " + c.attachedTo());
            }
            String madeFrom = catalog.byFile(c.source()).map(Catalog.Entry::source).orElse(null);
            if (!b.path().equals(madeFrom)) {
                throw new CloudException(Kind.FATAL, diskId + " was made from " + madeFrom + ", but the domain now boots " + b.path() + ": no swap");
            }
        } else {
            // back to the original: only from a copy whose snapshot was made of exactly that file, and only while the path still names it
            snap = catalog.byFile(b.path()).filter(c -> c.kind() == Catalog.Kind.COPY).flatMap(c -> catalog.byFile(c.source()));
            if (snap.isEmpty() || !diskId.equals(snap.get().source())) {
                throw new CloudException(Kind.FATAL, diskId + " is neither a copy made for this domain nor the original its copy was made from");
            }
            try {
                FileIdentity now = FileIdentity.of(Path.of(diskId));
                if (!now.equals(snap.get().sourceId())) {
                    throw new CloudException(Kind.FATAL, diskId + " names another file (" + now + ") than the original the snapshot was made of ("
                            + snap.get().sourceId() + "): a remount or a replaced file. The domain is not changed; its snapshot " + snap.get().file()
                            + " is the disk as it was");
                }
            } catch (IOException e) {
                throw new CloudException(Kind.FATAL, "the original " + diskId + " cannot be read (" + e.getMessage() + "): the domain is not changed");
            }
        }
        for (String f : List.of(diskId, b.path())) {
            if (ImageCopier.held(Path.of(f))) {
                throw new CloudException(Kind.FATAL, f + " is held by a running qemu (a guest on another host sharing this storage?): the domain is"
                        + " not changed. Find and stop that guest first");
            }
        }
        if (d.managedSave()) {
            if (!s.force()) {
                throw new CloudException(Kind.FATAL, "the domain has a managed save image: drop it (virsh managedsave-remove) or pass --force");
            }
            virsh.run("managedsave-remove", uuid);
        }
        String xml = snap.isPresent() && snap.get().sourcePool() != null ? d.xml().withBootVolume(b.target(), snap.get().sourcePool(), snap.get().sourceVolume())
                : d.xml().withBootFile(b.target(), diskId);
        Path file = s.stateDir().resolve("xml").resolve(uuid + ".xml");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, xml);
        } catch (IOException e) {
            throw new CloudException(Kind.FATAL, "cannot write " + file + ": " + e.getMessage());
        }
        virsh.run("define", file.toString());
    }

    @Override
    public void deleteDisk(String diskId) {
        Catalog.Entry e = copyEntry(diskId);
        if (e.attachedTo() != null) {
            throw new CloudException(Kind.CONFLICT, diskId + " is on " + e.attachedTo() + ": detach it first");
        }
        String source = e.tags().get(Naming.TAG_SOURCE);
        if (source != null) {
            try {
                DomainXml.BootDisk b = domains.boot(domains.read(source));
                if (diskId.equals(b.path())) {
                    throw new CloudException(Kind.CONFLICT, diskId + " is the boot disk of domain " + source);
                }
            } catch (CloudException x) {
                if (x.kind() != Kind.NOT_FOUND) {
                    throw x;
                }
                // the domain was undefined since: the lock below still refuses a copy some qemu has open
            }
        }
        try (ImageLock lock = ImageCopier.lock(Path.of(diskId))) {
            Files.deleteIfExists(Path.of(diskId));
            catalog.remove(e.name());
        } catch (IOException x) {
            throw new CloudException(Kind.FATAL, "cannot delete " + diskId + ": " + x.getMessage());
        }
    }

    @Override
    public String startFix(String workerId, String device, String expectDiskId, String name) {
        checkSlot(workerId, device);
        Catalog.Entry e = copyEntry(expectDiskId);
        if (!workerId.equals(e.attachedTo()) || !device.equals(e.device())) {
            throw new CloudException(Kind.FATAL, "the worker refuses: " + device + " does not hold " + expectDiskId);
        }
        if (commands.find(name).isPresent()) {
            throw new CloudException(Kind.ALREADY_EXISTS, "a fix named " + name + " exists");
        }
        // the lock passes to bootmedic, which takes it to write (a qemu that opened the copy meanwhile makes it refuse, exit 2)
        ImageLock l = attachLocks.remove(expectDiskId);
        if (l != null) {
            l.close();
        }
        return commands.start(name, workerId, device, Path.of(e.file()), s.pass());
    }

    @Override
    public Optional<CommandInfo> findCommand(String workerId, String name) {
        return commands.find(name).map(m -> commands.describe(workerId, name));
    }

    @Override
    public CommandInfo describeCommand(String workerId, String commandId) {
        return commands.describe(workerId, commandId);
    }

    @Override
    public void cancelCommand(String workerId, String commandId) {
        commands.cancel(workerId, commandId);
    }

    @Override
    public boolean deviceHeld(String workerId, String device) {
        checkSlot(workerId, device);
        Optional<Catalog.Entry> e = catalog.copies().filter(c -> workerId.equals(c.attachedTo()) && device.equals(c.device())).findFirst();
        if (e.isEmpty()) {
            return false;
        }
        if (attachLocks.containsKey(e.get().file())) {
            return false; // the lock this process took at attach: nothing else can hold it, and this process writes nothing
        }
        return commands.writerAlive(e.get().file()) || ImageCopier.held(Path.of(e.get().file()));
    }
}
