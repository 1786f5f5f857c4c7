package io.bootmedic.remediation;

import io.bootmedic.util.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every field of a journal removed, given the wrong type or a hostile value: the reader returns a
 * journal only when every field is one bootmedic could have written, else a JournalFormatException
 * whose message names the file; never another exception.
 */
class JournalMutationTest {
    static final String RUN = "0b9c2a55-2d1b-4f7e-9c1a-1f0e0d0c0b0a";
    static final String SHA = "a".repeat(64);

    static Map<String, Object> entry() {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("rule", "crowdstrike#1");
        e.put("path", "Windows/System32/drivers/CrowdStrike/C-00000291-00000000-00000032.sys");
        e.put("quarantinePath", "bootmedic/quarantine/" + RUN + "/Windows/System32/drivers/CrowdStrike/C-00000291-00000000-00000032.sys");
        e.put("sha256", SHA);
        e.put("size", 40960);
        e.put("created", "2024-07-19T04:09:00Z");
        e.put("modified", "2024-07-19T04:09:00Z");
        e.put("accessed", "2024-07-19T04:09:00Z");
        e.put("state", "verified");
        e.put("note", null);
        return e;
    }

    static Map<String, Object> journal() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", Journal.SCHEMA);
        m.put("runId", RUN);
        m.put("startedAt", "2024-07-19T05:00:00Z");
        m.put("playbook", "crowdstrike-cf291-2024-07-19");
        m.put("state", "committed");
        m.put("finishedBy", RUN);
        m.put("entries", new ArrayList<>(List.of(entry())));
        return m;
    }

    private static final Object[] HOSTILE = {"REMOVE", null, 1, -1, 1.5, true, "", "x", "../../../outside/X", "a/b", "a\\b", "C:\\Windows",
            "/etc/passwd", "last tuesday", "A".repeat(5000), List.of(), Map.of(), "\u0000", Long.MAX_VALUE, "NUL", "Windows/con.sys",
            "bootmedic/quarantine/" + RUN + "/Windows/COM1", "Windows/System32/drivers/LPT9. /x.sys"};

    private static Journal read(Map<String, Object> m) throws JournalFormatException {
        return JournalReader.read(Json.write(m), "bootmedic/journal/" + RUN + ".json on test");
    }

    @Test
    void theUndamagedJournalReads() throws IOException {
        Journal j = read(journal());
        assertEquals(RUN, j.runId());
        assertEquals(40960, j.entries().get(0).size());
    }

    @Test
    void eachTopLevelFieldDamaged() {
        for (String field : journal().keySet()) {
            for (Object value : HOSTILE) {
                Map<String, Object> m = journal();
                if ("REMOVE".equals(value)) {
                    m.remove(field);
                } else {
                    m.put(field, value);
                }
                check(m, field + "=" + value);
            }
        }
    }

    @Test
    void eachEntryFieldDamaged() {
        for (String field : entry().keySet()) {
            for (Object value : HOSTILE) {
                Map<String, Object> e = entry();
                if ("REMOVE".equals(value)) {
                    e.remove(field);
                } else {
                    e.put(field, value);
                }
                Map<String, Object> m = journal();
                m.put("entries", List.of(e));
                check(m, "entry " + field + "=" + value);
            }
        }
    }

    @Test
    void aJournalWhosePathsNameAWindowsDeviceIsRefused() {
        // issue 21 #4: even with the quarantine path bootmedic would derive, undo must not move a file to or from a device name
        for (String device : new String[]{"NUL", "nul.txt", "COM1.sys", "lpt1", "CONIN$", "aux. ", "Con .sys"}) {
            for (String path : new String[]{"Windows/System32/drivers/CrowdStrike/" + device, "Windows/" + device + "/C-00000291-00000000-00000032.sys"}) {
                Map<String, Object> e = entry();
                e.put("path", path);
                e.put("quarantinePath", "bootmedic/quarantine/" + RUN + "/" + path);
                Map<String, Object> m = journal();
                m.put("entries", List.of(e));
                JournalFormatException x = assertThrows(JournalFormatException.class, () -> read(m), path);
                assertTrue(x.getMessage().contains("bootmedic/journal/" + RUN + ".json") && x.getMessage().contains("its path is not a safe path")
                        && x.getMessage().contains("device"), x.getMessage());
            }
        }
    }

    @Test
    void entriesThatAreNotObjectsAndTruncatedText() throws IOException {
        for (Object bad : new Object[]{List.of(1), List.of("x"), List.of(List.of()), "entries"}) {
            Map<String, Object> m = journal();
            m.put("entries", bad);
            assertThrows(JournalFormatException.class, () -> read(m));
        }
        byte[] good = Json.write(journal());
        for (int cut = 0; cut < good.length; cut += 13) {
            byte[] t = java.util.Arrays.copyOf(good, cut);
            JournalFormatException e = assertThrows(JournalFormatException.class, () -> JournalReader.read(t, "j.json"), "cut at " + cut);
            assertTrue(e.getMessage().startsWith("journal j.json "), e.getMessage());
        }
        byte[] deep = ("[".repeat(100_000)).getBytes(StandardCharsets.US_ASCII);
        assertThrows(JournalFormatException.class, () -> JournalReader.read(deep, "deep.json"));
    }

    /** A damaged journal is either refused, or every field that undo and recovery use is still one bootmedic writes. */
    private static void check(Map<String, Object> m, String what) {
        Journal j;
        try {
            j = read(m);
        } catch (JournalFormatException e) {
            assertTrue(e.getMessage().contains("bootmedic/journal/" + RUN + ".json") && e.getMessage().contains("Nothing was changed"), what + ": " + e.getMessage());
            return;
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": " + e, e);
        }
        if (j == null) {
            assertTrue(what.startsWith("schema"), what + " made the reader skip the journal");
            return;
        }
        assertTrue(JournalReader.isRunId(j.runId()), what);
        assertTrue(JournalReader.STATES.contains(j.state()), what);
        for (JournalEntry e : j.entries()) {
            assertNotNull(e.path(), what);
            assertTrue(io.bootmedic.fs.RelPath.of(e.path()).parts().stream().noneMatch(io.bootmedic.fs.RelPath::isWindowsDeviceName), what);
            assertEquals(Quarantiner.quarantinePathFor(j.runId(), io.bootmedic.fs.RelPath.of(e.path())).toString(), e.quarantinePath(), what);
            assertTrue(e.sha256().matches("[0-9a-f]{64}") && e.size() >= 0 && JournalReader.ENTRY_STATES.contains(e.state()), what);
        }
    }
}
