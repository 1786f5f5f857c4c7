package io.bootmedic.diagnosis;

import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.report.Diagnosis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which files of a volume are read as dumps, in which order, and what a link among them becomes. */
class CrashDumpsTest {
    @TempDir
    Path root;

    @Test
    void theNewestMinidumpsFirstAtMostTheLimitAndALinkIsNamedNotFollowed() throws IOException {
        Path dir = Files.createDirectories(root.resolve("WINDOWS/minidump"));
        byte[] dump = DumpWriter.kernel64(4, 0x133, new long[]{1, 0x1e00, 0xfffff8047c4fb320L, 0}, CrashDumpReaderTest.WHEN,
                CrashDumpReaderTest.DRIVERS);
        int total = CrashDumps.MAX_MINIDUMPS + 3;
        for (int i = 0; i < total; i++) {
            Path f = Files.write(dir.resolve(String.format("0719%02d-1000-01.%s", i, i % 2 == 0 ? "dmp" : "DMP")), dump);
            Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2024-07-19T00:00:00Z").plusSeconds(60L * i)));
        }
        Files.writeString(dir.resolve("notes.txt"), "not a dump");
        Path link = dir.resolve("999999-1000-01.dmp");
        Files.createSymbolicLink(link, root.resolve("elsewhere.dmp"));
        Files.getFileAttributeView(link, java.nio.file.attribute.BasicFileAttributeView.class, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                .setTimes(FileTime.from(Instant.parse("2025-01-01T00:00:00Z")), null, null); // the link's own time: newest of all

        List<Diagnosis.CrashDump> dumps = CrashDumps.minidumps(new LocalFileTree(root));
        assertEquals(CrashDumps.MAX_MINIDUMPS, dumps.size());
        Diagnosis.CrashDump linked = dumps.get(0);
        assertEquals("WINDOWS/minidump/999999-1000-01.dmp is a symbolic link, junction or other reparse point; bootmedic does not follow it",
                linked.error(), "the newest entry is the link: named, not followed");
        assertEquals(List.of("071934-1000-01.dmp", "071933-1000-01.DMP", "071932-1000-01.dmp"),
                dumps.subList(1, 4).stream().map(d -> d.file().substring("WINDOWS/minidump/".length())).toList(), "newest first, any case");
        assertEquals("DPC_WATCHDOG_VIOLATION", dumps.get(1).bugCheckName());
        assertEquals("071904-1000-01.dmp", dumps.get(dumps.size() - 1).file().substring("WINDOWS/minidump/".length()), "the oldest dropped");
        assertEquals(List.of(), CrashDumps.memoryDump(new LocalFileTree(root)));
    }
}
