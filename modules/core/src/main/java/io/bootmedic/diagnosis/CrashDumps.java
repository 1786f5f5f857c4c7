package io.bootmedic.diagnosis;

import io.bootmedic.format.ErrorWords;
import io.bootmedic.format.FormatException;
import io.bootmedic.fs.EntryType;
import io.bootmedic.fs.FileStat;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.report.Diagnosis;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the dumps Windows leaves on its volume ({@code Windows\Minidump\*.dmp}, {@code Windows\MEMORY.DMP}) and reads
 * each one's header. Names are resolved as NTFS does (case-insensitively) and nothing behind a reparse point is read.
 */
public final class CrashDumps {
    static final RelPath MINIDUMPS = RelPath.of("Windows/Minidump");
    static final RelPath MEMORY_DMP = RelPath.of("Windows/MEMORY.DMP");
    /** The newest this many minidumps are read: a machine in a crash loop leaves hundreds, alike. */
    public static final int MAX_MINIDUMPS = 32;

    private CrashDumps() {
    }

    /** The newest minidumps in {@code Windows\Minidump}, newest first. */
    public static List<Diagnosis.CrashDump> minidumps(FileTree tree) throws IOException {
        List<Diagnosis.CrashDump> out = new ArrayList<>();
        Optional<RelPath> dir = SafePaths.resolve(tree, MINIDUMPS);
        if (dir.isPresent() && tree.stat(dir.get()).map(FileStat::isDirectory).orElse(false)) {
            List<FileStat> dumps = new ArrayList<>(tree.list(dir.get()).stream()
                    .filter(s -> s.name().toLowerCase(Locale.ROOT).endsWith(".dmp") && s.type() != EntryType.DIRECTORY).toList());
            dumps.sort(Comparator.comparing((FileStat s) -> s.modified() == null ? Instant.MIN : s.modified()).reversed()
                    .thenComparing(FileStat::name));
            for (FileStat s : dumps.subList(0, Math.min(MAX_MINIDUMPS, dumps.size()))) {
                out.add(one(tree, dir.get(), s));
            }
        }
        return out;
    }

    /** {@code Windows\MEMORY.DMP}, if there is one. */
    public static List<Diagnosis.CrashDump> memoryDump(FileTree tree) throws IOException {
        Optional<RelPath> memory = SafePaths.resolve(tree, MEMORY_DMP);
        if (memory.isPresent()) {
            FileStat s = tree.stat(memory.get()).orElse(null);
            if (s != null && s.type() != EntryType.DIRECTORY) {
                return List.of(one(tree, memory.get().parent(), s));
            }
        }
        return List.of();
    }

    private static Diagnosis.CrashDump one(FileTree tree, RelPath dir, FileStat s) {
        String file = dir + "/" + s.name();
        if (s.type() == EntryType.REPARSE_POINT) {
            return failed(file, file + " is a symbolic link, junction or other reparse point; bootmedic does not follow it");
        }
        if (s.type() != EntryType.FILE) {
            return failed(file, file + " is not a regular file");
        }
        try (SeekableByteChannel ch = tree.openRead(dir.resolve(s.name()))) {
            return of(file, CrashDumpReader.read(DumpBytes.of(ch, s.size(), file)));
        } catch (FormatException e) {
            return failed(file, e.getMessage());
        } catch (IOException | IllegalArgumentException e) { // IllegalArgumentException: a name no volume path may have
            return failed(file, file + ": " + ErrorWords.message(e));
        }
    }

    /** The report's form of what a header says. */
    static Diagnosis.CrashDump of(String file, DumpSummary d) {
        boolean user = "user-minidump".equals(d.kind());
        String name = d.code() == null ? null : user ? BugChecks.exceptionName(d.code()) : BugChecks.name(d.code());
        return new Diagnosis.CrashDump(file, d.kind(), d.time() == null ? null : d.time().truncatedTo(ChronoUnit.SECONDS).toString(),
                d.code() == null ? null : BugChecks.code(d.code()), name, d.parameters().stream().map(BugChecks::parameter).toList(),
                d.faultingModule(), d.problem());
    }

    private static Diagnosis.CrashDump failed(String file, String why) {
        return new Diagnosis.CrashDump(file, "unknown", null, null, null, List.of(), null, why);
    }
}
