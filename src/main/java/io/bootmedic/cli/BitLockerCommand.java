package io.bootmedic.cli;

import io.bootmedic.bitlocker.BitLockerBlockDevice;
import io.bootmedic.bitlocker.BitLockerMetadata;
import io.bootmedic.bitlocker.Protector;
import io.bootmedic.bitlocker.VolumeKeys;
import io.bootmedic.image.BlockDevice;
import io.bootmedic.image.ImageOpener;
import io.bootmedic.image.WindowsCandidates;
import io.bootmedic.remediation.Outcomes;
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

    static Path path(TargetOptions t) {
        if (t.image != null) {
            return t.image;
        }
        if (t.device != null) {
            return t.device;
        }
        throw new UsageError("give the encrypted disk or volume with --image FILE or --device PATH");
    }

    @Command(name = "info", description = "Volume GUID, encryption method, key protectors (the recovery key ID among them) and state. Needs no key.")
    static class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        TargetOptions target;
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            List<Object> volumes = new ArrayList<>();
            try (BlockDevice disk = ImageOpener.open(path(target), false, target.image != null ? "--image" : "--device")) {
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
                    v.put("state", md.conversionInProgress || md.encryptedSize < c.volume().size() ? "partially encrypted" : "locked");
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
                    if (md.protectors.stream().anyMatch(p -> p.type() == Protector.CLEAR_KEY)) {
                        v.put("state", "suspended (clear key: unlocks without a secret)");
                    }
                    volumes.add(v);
                }
            }
            if (json) {
                out.print(new String(Json.write(volumes), java.nio.charset.StandardCharsets.UTF_8));
            } else if (volumes.isEmpty()) {
                out.println("no BitLocker volume in " + path(target));
            } else {
                for (Object o : volumes) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> v = (Map<String, Object>) o;
                    out.println(v.get("volume"));
                    v.forEach((k, val) -> {
                        if (!k.equals("protectors") && !k.equals("volume")) {
                            out.printf("  %-17s %s%n", k, val);
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
            return volumes.isEmpty() ? Outcomes.EXIT_NO_WINDOWS : 0;
        }
    }

    @Command(name = "decrypt", description = "Write the decrypted volume to a file (forensics, checks). Exit 3 when no key fits.")
    static class Decrypt implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        TargetOptions target;
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the decrypted volume (created; not overwritten).")
        Path out;

        @Override
        public Integer call() throws Exception {
            VolumeKeys keys = target.keys();
            try (BlockDevice disk = ImageOpener.open(path(target), false, target.image != null ? "--image" : "--device")) {
                List<WindowsCandidates.Candidate> found = bitlockerVolumes(disk);
                if (found.isEmpty()) {
                    throw new UsageError("no BitLocker volume in " + path(target));
                }
                BitLockerMetadata md = BitLockerMetadata.read(found.get(0).volume());
                VolumeKeys.Result r;
                try {
                    r = keys.unlock(md);
                } catch (io.bootmedic.bitlocker.BitLockerException e) {
                    spec.commandLine().getErr().println("bootmedic: " + e.getMessage());
                    return Outcomes.EXIT_LOCKED;
                }
                BitLockerBlockDevice plain = new BitLockerBlockDevice(found.get(0).volume(), md, r.unlocked().fvek());
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
                }
                spec.commandLine().getOut().println("decrypted " + md.volumeGuid + " (" + md.methodName() + ", protector {" + r.unlocked().protector().id()
                        + "}) to " + out);
            }
            return 0;
        }
    }
}
