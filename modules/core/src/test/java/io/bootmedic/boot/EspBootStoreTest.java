package io.bootmedic.boot;

import io.bootmedic.image.block.BlockDevice;
import io.bootmedic.image.block.FileBlockDevice;
import io.bootmedic.playbook.RepairRule;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.Undo;
import io.bootmedic.report.FileAction;
import io.bootmedic.testutil.SharedData;
import io.bootmedic.testutil.Tools;
import io.bootmedic.util.Sha256;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ESP's BCD store under fault: a process that dies part-way through the in-place write (after 0, 1, 512, 4096 ...
 * bytes) leaves a journal at "writing"; the next run puts the original back from the host copy before it plans, then
 * makes the edit; undo restores the original byte for byte. A dry run and a store the edit would grow change nothing.
 */
class EspBootStoreTest {
    static final RepairRule SAFE = new RepairRule.SafeMode("safe", null, "minimal");

    @TempDir
    Path tmp;
    Path esp;
    byte[] bcd;

    /** What a real crash is: nothing after it runs, no catch block, no restore. */
    static final class Crash extends Error {
        Crash() {
            super("the process died here");
        }
    }

    /** A file device that dies after writing {@code budget} bytes, the last write cut where the budget ends. */
    static final class DyingDevice implements BlockDevice {
        final FileBlockDevice inner;
        long budget;

        DyingDevice(FileBlockDevice inner, long budget) {
            this.inner = inner;
            this.budget = budget;
        }

        public long size() {
            return inner.size();
        }

        public int sectorSize() {
            return inner.sectorSize();
        }

        public boolean isReadOnly() {
            return false;
        }

        public void read(long offset, ByteBuffer dst) throws IOException {
            inner.read(offset, dst);
        }

        public void write(long offset, ByteBuffer src) throws IOException {
            if (src.remaining() > budget) {
                ByteBuffer part = src.slice();
                part.limit((int) budget);
                inner.write(offset, part);
                inner.flush();
                throw new Crash();
            }
            budget -= src.remaining();
            inner.write(offset, src);
        }

        public void flush() throws IOException {
            inner.flush();
        }

        public String describe() {
            return "esp.img";
        }

        public void close() throws IOException {
            inner.close();
        }
    }

    @BeforeEach
    void espWithTheRealStore() throws Exception {
        Assumptions.assumeTrue(Tools.run(List.of("sh", "-c", "command -v mcopy && command -v hivexget && command -v mkfs.fat")).exit() == 0,
                "skipped: mtools, dosfstools and libhivex-bin are needed (scripts/setup-debian.sh installs them)");
        Path store = SharedData.unxz("registry/regipy/BCD.xz", tmp);
        bcd = Files.readAllBytes(store);
        esp = tmp.resolve("esp.img");
        Tools.ok("mkfs.fat", "-C", "-F", "32", esp.toString(), "40000");
        Tools.ok("env", "MTOOLS_SKIP_CHECK=1", "mmd", "-i", esp.toString(), "::/EFI", "::/EFI/Microsoft", "::/EFI/Microsoft/Boot");
        Tools.ok("env", "MTOOLS_SKIP_CHECK=1", "mcopy", "-i", esp.toString(), store.toString(), "::/EFI/Microsoft/Boot/BCD");
    }

    byte[] storeNow() throws Exception {
        Path out = tmp.resolve("now-" + System.nanoTime());
        Tools.ok("env", "MTOOLS_SKIP_CHECK=1", "mcopy", "-n", "-i", esp.toString(), "::/EFI/Microsoft/Boot/BCD", out.toString());
        return Files.readAllBytes(out);
    }

    String safeboot() throws Exception {
        Path out = tmp.resolve("sb-" + System.nanoTime());
        Files.write(out, storeNow());
        Tools.Result r = Tools.run(List.of("hivexget", out.toString(), "\\Objects\\{733b62e5-f608-11eb-825c-c112f60133ab}\\Elements\\25000080"));
        return r.exit() == 0 ? r.out().strip() : "absent";
    }

    EspBootStore store(BlockDevice device) {
        return new EspBootStore(device, "esp:TEST", "esp.img (EFI system partition)", tmp.resolve("quarantine"));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 511, 512, 4096, 16_384, 32_767})
    void aCrashAtAnyByteOfTheWriteIsFinishedByTheNextRunAndUndoneByteForByte(int cut) throws Exception {
        try (FileBlockDevice file = FileBlockDevice.open(esp, true); DyingDevice dying = new DyingDevice(file, cut)) {
            assertThrows(Crash.class, () -> store(dying).apply("run-1", "pb", List.of(SAFE), false));
        }
        List<ActionResult> second;
        try (FileBlockDevice file = FileBlockDevice.open(esp, true)) {
            second = store(file).apply("run-2", "pb", List.of(SAFE), false);
        }
        // a cut past the last byte that differs is a finished write: then run 1's change stands and is the one to undo
        boolean finished = second.get(0).detail().contains("run run-1 had finished writing");
        assertEquals(finished ? FileAction.KEPT : FileAction.REPAIRED, second.get(0).action(), second.toString());
        assertTrue(finished || second.get(0).detail().contains("run run-1 stopped"), second.get(0).detail());
        assertEquals("\"Element\"=hex(3):00,00,00,00,00,00,00,00", safeboot());
        try (FileBlockDevice file = FileBlockDevice.open(esp, true)) {
            Undo.Result undo = store(file).undo(finished ? "run-1" : "run-2");
            assertTrue(undo.ok(), undo.toString());
        }
        assertEquals(Sha256.of(bcd), Sha256.of(storeNow()));
    }

    @Test
    void aDryRunAndASecondRunChangeNothing() throws Exception {
        byte[] before = Files.readAllBytes(esp);
        try (FileBlockDevice file = FileBlockDevice.open(esp, false)) {
            List<ActionResult> r = store(file).apply("dry", "pb", List.of(SAFE), true);
            assertEquals(FileAction.WOULD_REPAIR, r.get(0).action());
        }
        assertEquals(Sha256.of(before), Sha256.of(Files.readAllBytes(esp)));
        try (FileBlockDevice file = FileBlockDevice.open(esp, true)) {
            assertEquals(FileAction.REPAIRED, store(file).apply("one", "pb", List.of(SAFE), false).get(0).action());
        }
        byte[] once = Files.readAllBytes(esp);
        try (FileBlockDevice file = FileBlockDevice.open(esp, true)) {
            List<ActionResult> r = store(file).apply("two", "pb", List.of(SAFE), false);
            assertEquals(FileAction.KEPT, r.get(0).action());
            assertTrue(r.get(0).detail().startsWith("already safeboot minimal"), r.get(0).detail());
        }
        assertEquals(Sha256.of(once), Sha256.of(Files.readAllBytes(esp)));
    }

    @Test
    void undoLeavesAStoreWindowsChangedSinceAlone() throws Exception {
        try (FileBlockDevice file = FileBlockDevice.open(esp, true)) {
            store(file).apply("one", "pb", List.of(SAFE), false);
        }
        // Windows (or bcdedit) writes the store afterwards: one byte of slack in the last hive bin is enough to differ
        byte[] now = storeNow();
        now[now.length - 1] ^= 1;
        Path changed = Files.write(tmp.resolve("changed"), now);
        Tools.ok("env", "MTOOLS_SKIP_CHECK=1", "mcopy", "-o", "-i", esp.toString(), changed.toString(), "::/EFI/Microsoft/Boot/BCD");
        try (FileBlockDevice file = FileBlockDevice.open(esp, true)) {
            Undo.Result undo = store(file).undo("one");
            assertEquals("kept-in-quarantine", undo.files().get(0).outcome(), undo.toString());
        }
        assertEquals(Sha256.of(now), Sha256.of(storeNow()));
    }
}
