package io.bootmedic.platform.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The machine's disks from sysfs ({@code /sys/block}), with the controller each hangs off. The root
 * is injectable so tests describe any machine with a folder tree. Nothing here opens a disk.
 *
 * <p>The controller is read from the device's own path: {@code /sys/block/X} links to
 * {@code /sys/devices/...}, and each device on the way up may have a {@code driver} link whose name is
 * the driver bound to it (nvme, ahci, vmd, virtio_blk, hv_storvsc, usb-storage, ...).
 */
public final class SysfsDisks {
    /** Not disks a Windows can be on: loop and RAM disks, CD drives, md/dm mappings, floppies. */
    private static final Pattern NOT_A_DISK = Pattern.compile("(loop|ram|zram|sr|md|dm-|fd|nbd)\\d.*|md_.*|dm-.*");
    /** A sysfs file read here is a number or a short name: anything longer is not what sysfs writes. */
    private static final int MAX_ATTRIBUTE = 256;
    /** /sys/devices is at most a few dozen levels deep; a loop of links never gets further. */
    private static final int MAX_DEPTH = 64;
    private static final Pattern KERNEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:!-]{0,63}");

    private final Path sys;

    /** @param sys the sysfs root: {@code /sys} on the machine, a folder in tests */
    public SysfsDisks(Path sys) {
        this.sys = sys;
    }

    /** Every whole disk, sorted by name; loop, RAM, CD, md and dm devices are left out. */
    public List<BlockDisk> disks() throws IOException {
        List<BlockDisk> disks = new ArrayList<>();
        Path block = sys.resolve("block");
        if (!Files.isDirectory(block)) {
            throw new IOException(block + " is not there: sysfs is not mounted, so no disk can be listed");
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(block)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!KERNEL_NAME.matcher(name).matches() || NOT_A_DISK.matcher(name).matches()) {
                    continue;
                }
                disks.add(describe(name, entry));
            }
        }
        disks.sort(Comparator.comparing(BlockDisk::name));
        return disks;
    }

    /** The names of md devices: RAID sets the kernel assembled (see {@link #externalRaid()}). */
    public List<String> mdDevices() throws IOException {
        List<String> md = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(sys.resolve("block"), "md*")) {
            entries.forEach(e -> md.add(e.getFileName().toString()));
        }
        md.sort(null);
        return md;
    }

    /**
     * Disks the kernel found in an Intel RST (IMSM) or DDF RAID set: members of md containers whose
     * {@code md/metadata_version} is {@code external:imsm} or {@code external:ddf}, and of the arrays
     * inside them ({@code external:/md127/0}). Keys are whole-disk names, values "imsm" or "ddf" with
     * the md device, e.g. "imsm (md127)".
     */
    public java.util.Map<String, String> externalRaid() throws IOException {
        java.util.Map<String, String> versions = new java.util.TreeMap<>();
        java.util.Map<String, String> kinds = new java.util.TreeMap<>();
        java.util.Map<String, String> members = new java.util.TreeMap<>();
        for (String md : mdDevices()) {
            String version = attribute(sys.resolve("block").resolve(md).resolve("md/metadata_version")).orElse("");
            versions.put(md, version);
            if (version.startsWith("external:imsm")) {
                kinds.put(md, "imsm");
            } else if (version.startsWith("external:ddf")) {
                kinds.put(md, "ddf");
            }
        }
        for (java.util.Map.Entry<String, String> e : versions.entrySet()) {
            String md = e.getKey();
            String version = e.getValue();
            String kind = kinds.get(md);
            if (kind == null && version.startsWith("external:/")) {
                // an array inside a container: external:/md127/0 names its container
                String container = version.substring("external:/".length()).split("/", 2)[0];
                kind = kinds.get(container);
            }
            if (kind == null) {
                continue;
            }
            Path slaves = sys.resolve("block").resolve(md).resolve("slaves");
            if (!Files.isDirectory(slaves)) {
                continue;
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(slaves)) {
                for (Path s : entries) {
                    String disk = wholeDisk(s.getFileName().toString()).orElse(s.getFileName().toString());
                    members.putIfAbsent(disk, kind + " (" + md + ")");
                }
            }
        }
        return members;
    }

    /** The whole disk a disk or partition name belongs to (sda1 -> sda, nvme0n1p2 -> nvme0n1), if sysfs knows it. */
    public Optional<String> wholeDisk(String name) throws IOException {
        if (!KERNEL_NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        Path block = sys.resolve("block");
        if (Files.exists(block.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(name);
        }
        // a partition is a folder inside its disk's: /sys/block/sda/sda1
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(block)) {
            for (Path disk : entries) {
                if (Files.isDirectory(disk.resolve(name)) && Files.exists(disk.resolve(name).resolve("partition"))) {
                    return Optional.of(disk.getFileName().toString());
                }
            }
        }
        return Optional.empty();
    }

    private BlockDisk describe(String name, Path entry) throws IOException {
        Path dir = deviceDir(entry);
        List<String> drivers = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        Path devices = sys.resolve("devices").normalize();
        Path p = dir;
        for (int depth = 0; p != null && p.startsWith(devices) && !p.equals(devices) && depth < MAX_DEPTH; depth++, p = p.getParent()) {
            driverOf(p).ifPresent(drivers::add);
            parts.add(p.getFileName().toString());
        }
        String vendor = attribute(entry.resolve("device/vendor")).orElse("");
        String model = attribute(entry.resolve("device/model")).orElse("");
        long size = number(entry.resolve("size")).map(sectors -> sectors > Long.MAX_VALUE / 512 ? 0 : sectors * 512).orElse(0L);
        int lbs = number(entry.resolve("queue/logical_block_size")).filter(n -> n == 512 || n == 4096).map(Long::intValue).orElse(512);
        boolean removable = attribute(entry.resolve("removable")).map("1"::equals).orElse(false);
        String described = (vendor.isEmpty() || model.startsWith(vendor) ? model : vendor + " " + model).strip();
        Classified c = classify(name, drivers, parts, vendor);
        return new BlockDisk(name, c.bus, c.driver, described, size, removable, lbs);
    }

    private record Classified(StorageBus bus, String driver) {
    }

    /** The most telling driver on the way from the disk up to the PCI root wins (vmd over nvme: it is why WinPE cannot see the disk). */
    static Classified classify(String name, List<String> drivers, List<String> pathParts, String vendor) {
        if (drivers.contains("vmd")) {
            return new Classified(StorageBus.INTEL_VMD, "vmd");
        }
        if (drivers.contains("hv_storvsc") || pathParts.stream().anyMatch(s -> s.toLowerCase(Locale.ROOT).startsWith("vmbus"))) {
            return new Classified(StorageBus.HYPERV, "hv_storvsc");
        }
        for (String usb : List.of("uas", "usb-storage")) {
            if (drivers.contains(usb)) {
                return new Classified(StorageBus.USB, usb);
            }
        }
        if (drivers.contains("virtio_blk")) {
            return new Classified(StorageBus.VIRTIO_BLK, "virtio_blk");
        }
        if (drivers.contains("virtio_scsi")) {
            return new Classified(StorageBus.VIRTIO_SCSI, "virtio_scsi");
        }
        for (String vmware : List.of("vmw_pvscsi", "mptspi", "mptsas")) {
            if (drivers.contains(vmware) && (vmware.equals("vmw_pvscsi") || vendor.startsWith("VMware"))) {
                return new Classified(StorageBus.VMWARE, vmware);
            }
        }
        if (drivers.contains("nvme") || name.startsWith("nvme")) {
            return new Classified(StorageBus.NVME, "nvme");
        }
        if (drivers.contains("ahci")) {
            return new Classified(StorageBus.SATA, "ahci");
        }
        if (pathParts.stream().anyMatch(s -> s.matches("ata\\d+"))) {
            return new Classified(StorageBus.IDE, drivers.stream().filter(d -> d.startsWith("ata_") || d.startsWith("pata_")).findFirst().orElse("libata"));
        }
        String nearest = drivers.stream().filter(d -> !d.equals("sd") && !d.equals("pcieport")).findFirst().orElse("unknown");
        if (vendor.startsWith("VMware")) {
            return new Classified(StorageBus.VMWARE, nearest);
        }
        return new Classified(nearest.equals("unknown") ? StorageBus.OTHER : StorageBus.SCSI, nearest);
    }

    /** /sys/block/X links to the device's folder under /sys/devices; an old-style folder has a device link instead. */
    private Path deviceDir(Path entry) throws IOException {
        if (Files.isSymbolicLink(entry)) {
            return entry.getParent().resolve(Files.readSymbolicLink(entry)).normalize();
        }
        Path device = entry.resolve("device");
        if (Files.isSymbolicLink(device)) {
            return device.getParent().resolve(Files.readSymbolicLink(device)).normalize();
        }
        return entry.normalize();
    }

    /** The name of the driver bound to a sysfs device: its {@code driver} link's last element. */
    private static Optional<String> driverOf(Path device) {
        Path link = device.resolve("driver");
        try {
            if (!Files.isSymbolicLink(link)) {
                return Optional.empty();
            }
            Path target = Files.readSymbolicLink(link).getFileName();
            return target == null ? Optional.empty() : Optional.of(target.toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A short sysfs text file, stripped; empty when absent, unreadable or longer than sysfs ever writes. */
    static Optional<String> attribute(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(MAX_ATTRIBUTE + 1);
            if (b.length > MAX_ATTRIBUTE) {
                return Optional.empty();
            }
            return Optional.of(new String(b, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Long> number(Path file) {
        return attribute(file).filter(s -> s.matches("\\d{1,18}")).map(Long::parseLong);
    }
}
