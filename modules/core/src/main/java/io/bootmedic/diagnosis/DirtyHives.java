package io.bootmedic.diagnosis;

import io.bootmedic.format.ErrorWords;
import io.bootmedic.format.FormatException;
import io.bootmedic.format.LeBytes;
import io.bootmedic.fs.EntryType;
import io.bootmedic.fs.FileStat;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.registry.edit.LogReplay;
import io.bootmedic.registry.edit.RecoveredHive;
import io.bootmedic.report.Diagnosis;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether SYSTEM and SOFTWARE were left dirty (their base block's two sequence numbers differ, or its checksum is
 * wrong: Windows stopped between writing and confirming) and, if so, whether their transaction logs would bring them
 * back, replayed in memory by {@link LogReplay} exactly as a registry repair would. Nothing is written.
 */
public final class DirtyHives {
    static final RelPath CONFIG = RelPath.of("Windows/System32/config");
    static final List<String> HIVES = List.of("SYSTEM", "SOFTWARE");
    /** A dirty hive and its logs are replayed in memory only up to this size together (SOFTWARE can pass 100 MB). */
    static final long MAX_REPLAY = 192L << 20;
    private static final Pattern APPLIED = Pattern.compile("(.+): (\\d+) entr(?:y|ies) applied");

    private DirtyHives() {
    }

    public static List<Diagnosis.HiveState> read(FileTree tree) throws IOException {
        List<Diagnosis.HiveState> out = new ArrayList<>();
        for (String hive : HIVES) {
            out.add(one(tree, hive));
        }
        return out;
    }

    static Diagnosis.HiveState one(FileTree tree, String hive) {
        RelPath wanted = CONFIG.resolve(hive);
        try {
            Optional<RelPath> path = SafePaths.resolve(tree, wanted);
            if (path.isEmpty()) {
                return new Diagnosis.HiveState(hive, null, null, wanted + " is not on this volume");
            }
            LeBytes base = LeBytes.of(read(tree, path.get(), 0, 512), path.get() + " base block");
            if (!base.startsWith(0, new byte[]{'r', 'e', 'g', 'f'})) {
                return new Diagnosis.HiveState(hive, null, null, path.get() + " is not a registry hive: no 'regf' signature");
            }
            long primary = base.u32(4);
            long secondary = base.u32(8);
            boolean checksumOk = checksum(base) == base.s32(508);
            if (primary == secondary && checksumOk) {
                return new Diagnosis.HiveState(hive, false, null, null);
            }
            return new Diagnosis.HiveState(hive, true, replay(tree, path.get(), hive), null);
        } catch (FormatException e) {
            return new Diagnosis.HiveState(hive, null, null, e.getMessage());
        } catch (IOException | IllegalArgumentException e) {
            return new Diagnosis.HiveState(hive, null, null, wanted + ": " + ErrorWords.message(e));
        }
    }

    /** What replaying the logs would do, in one line. */
    private static String replay(FileTree tree, RelPath hivePath, String hive) throws IOException {
        List<RelPath> logPaths = new ArrayList<>();
        long total = size(tree, hivePath);
        for (String suffix : List.of(".LOG1", ".LOG2")) {
            Optional<RelPath> log = SafePaths.resolve(tree, hivePath.parent().resolve(hivePath.name() + suffix));
            if (log.isPresent()) {
                logPaths.add(log.get());
                total += size(tree, log.get());
            }
        }
        if (logPaths.isEmpty()) {
            return "no transaction log (" + hive + ".LOG1, .LOG2): Windows will load it as it is and its newest changes may be lost";
        }
        if (total > MAX_REPLAY) {
            return "not checked: the hive and its logs are " + (total >> 20) + " MiB, more than the " + (MAX_REPLAY >> 20)
                    + " MiB bootmedic replays in memory";
        }
        try {
            byte[] primary = read(tree, hivePath, 0, -1);
            List<LogReplay.LogFile> logs = new ArrayList<>();
            for (RelPath p : logPaths) {
                logs.add(new LogReplay.LogFile(p.name(), read(tree, p, 0, -1)));
            }
            return describe(LogReplay.replay(hive, primary, logs, false));
        } catch (FormatException e) {
            return "does not replay: " + e.getMessage();
        } catch (OutOfMemoryError e) {
            // the replay's few large arrays are unreachable again here; a diagnosis must never end the run
            return "not checked: this machine has too little memory to replay " + (total >> 20) + " MiB of hive and logs";
        }
    }

    /** "replays cleanly: 22 entries from SYSTEM.LOG1", or where the replay stopped early. */
    static String describe(RecoveredHive r) {
        List<String> from = new ArrayList<>();
        String stopped = null;
        for (String d : r.decisions()) {
            Matcher m = APPLIED.matcher(d);
            if (m.matches() && !m.group(2).equals("0")) {
                from.add(m.group(1));
            } else if (d.contains("old-format log applied")) {
                from.add(d.substring(0, d.indexOf(':')));
            } else if (d.contains("replay stops")) {
                stopped = d;
            }
        }
        int n = r.applied().size();
        String what = n + " entr" + (n == 1 ? "y" : "ies") + (from.isEmpty() ? "" : " from " + String.join(" and ", from));
        return stopped == null ? "replays cleanly: " + what : "replays " + what + ", then stops (" + stopped + ")";
    }

    /** The base block checksum: the XOR of its first 127 dwords, 0 written as 1 and -1 as -2. */
    static int checksum(LeBytes base) throws FormatException {
        int sum = 0;
        for (int i = 0; i < 508; i += 4) {
            sum ^= base.s32(i);
        }
        return sum == -1 ? -2 : sum == 0 ? 1 : sum;
    }

    private static long size(FileTree tree, RelPath file) throws IOException {
        FileStat s = tree.stat(file).orElseThrow(() -> new IOException(file + " vanished while being read"));
        if (s.type() != EntryType.FILE) {
            throw new IOException(file + " is not a regular file; bootmedic does not follow links");
        }
        return s.size();
    }

    /** {@code length} bytes from {@code offset} (-1: the whole file, already bounded by the caller). */
    private static byte[] read(FileTree tree, RelPath file, long offset, int length) throws IOException {
        long size = size(tree, file);
        int n = length < 0 ? (int) size : length;
        if (offset + n > size) {
            throw new FormatException(file + " is " + size + " bytes, too short for a hive's base block");
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        try (SeekableByteChannel ch = tree.openRead(file)) {
            ch.position(offset);
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    throw new IOException(file + " ended before its " + size + " bytes");
                }
            }
        }
        return b.array();
    }
}
