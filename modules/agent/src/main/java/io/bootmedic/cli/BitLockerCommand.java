package io.bootmedic.cli;

import io.bootmedic.bitlocker.BitLockerBlockDevice;
import io.bootmedic.bitlocker.BitLockerMetadata;
import io.bootmedic.bitlocker.Protector;
import io.bootmedic.bitlocker.VolumeKeys;
import io.bootmedic.format.Printable;
import io.bootmedic.image.ImageOpener;
import io.bootmedic.image.WindowsCandidates;
import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "bitlocker", description = "Inspect and decrypt BitLocker volumes in images and on devices, offline.",
        subcommands = {BitLockerCommand.Info.class, BitLockerCommand.Decrypt.class})
class BitLockerCommand {

    static List<WindowsCandidates.Candidate> bitlockerVolumes(BlockDevice disk) throws java.io.IOException {
        return WindowsCandidates.find(disk).candidates().stream().filter(c -> c.kind() == WindowsCandidates.Kind.BITLOCKER).toList();
    }


    @Command(name = "info", description = "Volume GUID, encryption method, key protectors (the recovery key ID among them) and state. Needs no key.")
    static class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DiskOptions diskOptions;
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            List<Object> volumes = new ArrayList<>();
            try (BlockDevice disk = ImageOpener.open(diskOptions.path(), false, diskOptions.option())) {
                for (WindowsCandidates.Candidate c : bitlockerVolumes(disk)) {
                    BitLockerMetadata md = BitLockerMetadata.read(c.volume());
                    Map<String, Object> v = new LinkedHashMap<>();
                    v.put("volume", c.volume().describe());
                    v.put("volumeGuid", md.volumeGuid);
                    v.put("description", md.description);
                    v.put("method", md.methodName());
                    v.put("sectorSize", md.sectorSize);
                    v.put("size", c.volume().size());
                    v.put("encryptedSize", md.encryptedSize);
                    String conversion = md.stateDescription(c.volume().size());
                    v.put("state", md.decrypted() ? "decrypted" : conversion.startsWith("partly") ? "partially encrypted"
                            : conversion.equals("encrypted") || conversion.startsWith("encrypted (") ? "locked" : "unreadable");
                    v.put("conversion", conversion);
                    // not the conversion map's end: a map reaching past the volume is refused as damaged, never read as a short copy
                    long declared = md.state == io.bootmedic.bitlocker.FveState.ENCRYPTED ? md.encryptedSize : 0;
                    if (declared > c.volume().size()) {
                        v.put("missing", "the image holds " + c.volume().size() + " of the volume's " + declared + " bytes: the last "
                                + (declared - c.volume().size()) + " are missing");
                    }
                    v.put("toGo", md.toGo);
                    v.put("metadataCopyUsed", md.usedCopy);
                    List<Object> protectors = new ArrayList<>();
                    for (Protector p : md.protectors) {
                        Map<String, Object> pm = new LinkedHashMap<>();
                        pm.put("id", p.id());
                        pm.put("type", p.typeName());
                        pm.put("usableOffline", p.usableOffline());
                        pm.put("description", p.description());
                        protectors.add(pm);
                    }
                    v.put("protectors", protectors);
                    if (md.protectors.stream().anyMatch(p -> p.type() == Protector.CLEAR_KEY) && !md.decrypted()) {
                        v.put("protection", "suspended (clear key: unlocks without a secret)");
                        if ("locked".equals(v.get("state"))) {
                            v.put("state", "suspended (clear key: unlocks without a secret)");
                        }
                    }
                    volumes.add(v);
                }
            }
            if (json) {
                out.print(new String(Json.write(volumes), java.nio.charset.StandardCharsets.UTF_8));
            } else if (volumes.isEmpty()) {
                out.println("no BitLocker volume in " + diskOptions.path());
            } else {
                for (Object o : volumes) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> v = (Map<String, Object>) o;
                    out.println(Printable.of(String.valueOf(v.get("volume")))); // the description is the metadata's, from the disk
                    v.forEach((k, val) -> {
                        if (!k.equals("protectors") && !k.equals("volume")) {
                            out.printf("  %-17s %s%n", k, Printable.of(String.valueOf(val)));
                        }
                    });
                    out.println("  protectors:");
                    for (Object p : (List<?>) v.get("protectors")) {
                        Map<?, ?> pm = (Map<?, ?>) p;
                        out.printf("    {%s}  %s%s%n", pm.get("id"), pm.get("type"), Boolean.TRUE.equals(pm.get("usableOffline")) ? "" : "  (not usable offline)");
                    }
                }
            }
            out.flush();
            return volumes.isEmpty() ? ExitCodes.NO_WINDOWS : 0;
        }
    }

    @Command(name = "decrypt", description = "Write the decrypted volume to a file (forensics, checks). Exit 3 when no key fits.")
    static class Decrypt implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DiskOptions diskOptions;
        @Mixin
        KeyOptions keyOptions;
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the decrypted volume (created; not overwritten).")
        Path out;

        @Override
        public Integer call() throws Exception {
            VolumeKeys keys = keyOptions.keys();
            try (BlockDevice disk = ImageOpener.open(diskOptions.path(), false, diskOptions.option())) {
                List<WindowsCandidates.Candidate> found = bitlockerVolumes(disk);
                if (found.isEmpty()) {
                    throw new UsageError("no BitLocker volume in " + diskOptions.path());
                }
                BlockDevice volume = found.get(0).volume();
                BitLockerMetadata md = BitLockerMetadata.read(volume);
                BitLockerBlockDevice plain;
                String how;
                if (md.decrypted()) {
                    plain = BitLockerBlockDevice.decrypted(volume, md);
                    how = "decrypted by Windows already; copied without a key";
                } else {
                    VolumeKeys.Result r;
                    try {
                        r = keys.unlock(md);
                    } catch (io.bootmedic.bitlocker.BitLockerException e) {
                        spec.commandLine().getErr().println("bootmedic: " + Printable.of(e.getMessage()));
                        return ExitCodes.LOCKED;
                    }
                    // refuses here, before the output exists, what it could not decrypt correctly
                    plain = new BitLockerBlockDevice(volume, md, r.unlocked().fvek());
                    how = md.methodName() + ", protector {" + r.unlocked().protector().id() + "}";
                }
                copy(plain, out);
                spec.commandLine().getOut().println("decrypted " + md.volumeGuid + " (" + how + ") to " + out);
                long declared = declaredSize(md, plain);
                if (declared > volume.size()) {
                    spec.commandLine().getErr().printf("bootmedic: %s holds only %d bytes of the %d-byte BitLocker volume: the last %d bytes "
                                    + "(from byte %d on) are missing from the image, so %s is incomplete. Copy the whole disk or partition again.%n",
                            volume.describe(), volume.size(), declared, declared - volume.size(), volume.size(), out);
                    return ExitCodes.NEEDS_WORK;
                }
            }
            return 0;
        }

        /** Writes the whole decrypted volume; a read that fails part way leaves no half-written file behind. */
        private static void copy(BlockDevice plain, Path out) throws java.io.IOException {
            boolean done = false;
            try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.allocate(1 << 20);
                for (long off = 0; off < plain.size(); off += buf.capacity()) {
                    buf.clear().limit((int) Math.min(buf.capacity(), plain.size() - off));
                    plain.read(off, buf);
                    buf.flip();
                    while (buf.hasRemaining()) {
                        ch.write(buf, off + buf.position());
                    }
                }
                done = true;
            } finally {
                if (!done) {
                    java.nio.file.Files.deleteIfExists(out);
                }
            }
        }

        /**
         * How big the volume says it is: the metadata's encrypted size (the whole volume once fully
         * encrypted) and the decrypted file system's own size. The encrypt-on-write map is not asked:
         * its regions end exactly at the end of the volume, or it was refused as damaged before this.
         */
        static long declaredSize(BitLockerMetadata md, BlockDevice plain) throws java.io.IOException {
            long declared = md.state == io.bootmedic.bitlocker.FveState.ENCRYPTED && md.eow == null ? md.encryptedSize : 0;
            byte[] boot = plain.read(0, 512);
            ByteBuffer b = ByteBuffer.wrap(boot).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            long bytesPerSector = Short.toUnsignedInt(b.getShort(11));
            String oem = new String(boot, 3, 8, java.nio.charset.StandardCharsets.US_ASCII);
            if (oem.equals("NTFS    ") && bytesPerSector > 0) {
                long sectors = b.getLong(0x28);
                if (sectors > 0 && sectors < Long.MAX_VALUE / 4096 - 1) {
                    declared = Math.max(declared, (sectors + 1) * bytesPerSector); // the backup boot sector follows the last one counted
                }
            } else if (WindowsCandidates.kind(plain) == WindowsCandidates.Kind.FAT) {
                long sectors = Short.toUnsignedInt(b.getShort(19));
                sectors = sectors != 0 ? sectors : Integer.toUnsignedLong(b.getInt(32));
                declared = Math.max(declared, sectors * bytesPerSector);
            }
            return declared;
        }
    }
}
