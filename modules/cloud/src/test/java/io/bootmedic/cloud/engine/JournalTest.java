package io.bootmedic.cloud.engine;

import io.bootmedic.cloud.provider.Model.VmRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalTest {
    private static final List<VmRef> VMS = List.of(new VmRef("vm-1", "1111", "web-1"), new VmRef("vm-2", "2222", "web-2"));

    private static MemoryJournalStore twoRecords() {
        MemoryJournalStore store = new MemoryJournalStore();
        Journal j = Journal.create(store, "abcd1234", VMS);
        VmRecord a = VmRecord.discovered("1111", "vm-1", "web-1").to(Step.CHECKING);
        j.record(a, 10);
        j.record(a.checked("disk-1", true, "zone-a").to(Step.STOPPING), 20);
        return store;
    }

    @Test
    void readsBackEachVmsLastRecord() {
        Journal.Loaded l = Journal.open(twoRecords());
        assertEquals("abcd1234", l.runId());
        assertEquals(VMS, l.vms());
        assertEquals(Step.STOPPING, l.last().get("1111").step());
        assertEquals("disk-1", l.last().get("1111").original());
        assertTrue(l.last().get("1111").checksPassed());
        assertFalse(l.last().containsKey("2222"));
        assertFalse(l.tornLineDropped());
    }

    @Test
    void aTornLastLineIsDroppedAndCutOffSoTheNextRecordStartsOnItsOwnLine() {
        MemoryJournalStore store = twoRecords();
        byte[] whole = store.readAll();
        store.append("{\"v\":1,\"seq\":4,\"kind\":\"vm\",\"at\":3".getBytes(StandardCharsets.UTF_8));
        Journal.Loaded l = Journal.open(store);
        assertTrue(l.tornLineDropped());
        assertEquals(Step.STOPPING, l.last().get("1111").step());
        assertArrayEquals(whole, store.readAll());
        l.journal().record(l.last().get("1111").to(Step.SNAPSHOTTING), 30);
        assertEquals(Step.SNAPSHOTTING, Journal.open(store).last().get("1111").step());
    }

    @Test
    void anythingElseIsRefusedWithOneLineNamingTheLine() {
        String good = new String(twoRecords().readAll(), StandardCharsets.UTF_8);
        String[] lines = good.split("\n");
        List<String[]> bad = List.of(
                new String[] {lines[0] + "\n{not json}\n" + lines[1] + "\n", "line 2"},
                new String[] {lines[0] + "\n" + lines[2] + "\n", "sequence number 3 where 2 belongs"},
                new String[] {good.replace("\"STOPPING\"", "\"PAUSED\""), "unknown step PAUSED"},
                new String[] {good.replace("\"released\":false", "\"released\":false,\"extra\":1"), "unknown field extra"},
                new String[] {good.replace("\"uid\":\"1111\",\"vmId\"", "\"uid\":\"9999\",\"vmId\""), "not one of the run's"},
                new String[] {good.replace("\"attempt\":1", "\"attempt\":\"1\""), "attempt is not a number"},
                new String[] {lines[1] + "\n", "line 1: sequence number 2"},
                new String[] {good.replace("\"v\":1", "\"v\":2"), "version is not 1"});
        for (String[] b : bad) {
            MemoryJournalStore store = new MemoryJournalStore();
            store.append(b[0].getBytes(StandardCharsets.UTF_8));
            JournalException e = assertThrows(JournalException.class, () -> Journal.open(store), b[1]);
            assertTrue(e.getMessage().contains(b[1]), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertArrayEquals(b[0].getBytes(StandardCharsets.UTF_8), store.readAll(), "a refused journal is left as it is");
        }
    }

    @Test
    void aJournalWithARunIsNeverStartedOver() {
        MemoryJournalStore store = twoRecords();
        JournalException e = assertThrows(JournalException.class, () -> Journal.create(store, "zzzz0000", VMS));
        assertTrue(e.getMessage().contains("already holds a run"), e.getMessage());
        assertThrows(JournalException.class, () -> Journal.open(new MemoryJournalStore()));
    }

    @Test
    void aFileJournalSurvivesAsWritten(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("run.jsonl");
        FileJournalStore store = new FileJournalStore(f);
        Journal j = Journal.create(store, "abcd1234", VMS);
        j.record(VmRecord.discovered("2222", "vm-2", "web-2").because("a reason with \"quotes\"\nand a newline").to(Step.SKIPPED), 5);
        Files.write(f, "{\"v\":1,\"se".getBytes(StandardCharsets.UTF_8), java.nio.file.StandardOpenOption.APPEND);
        Journal.Loaded l = Journal.open(new FileJournalStore(f));
        assertEquals("a reason with \"quotes\"\nand a newline", l.last().get("2222").reason());
        assertTrue(l.tornLineDropped());
        assertTrue(new String(Files.readAllBytes(f), StandardCharsets.UTF_8).endsWith("}\n"));
    }
}
