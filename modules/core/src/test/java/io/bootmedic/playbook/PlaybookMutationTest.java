package io.bootmedic.playbook;

import io.bootmedic.fs.RelPath;
import io.bootmedic.util.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every field of a playbook removed, of the wrong type or hostile: a Playbook whose rules stay inside the volume, or a PlaybookException. */
class PlaybookMutationTest {
    static Map<String, Object> rule() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", "r1");
        r.put("directory", "Windows/System32/drivers/CrowdStrike");
        r.put("glob", "C-00000291*.sys");
        r.put("headerHex", "AAAAAAAA");
        r.put("modifiedBefore", "2024-07-19T05:27:00Z");
        r.put("modifiedAfter", "2024-07-19T04:09:00Z");
        r.put("action", "quarantine");
        return r;
    }

    static Map<String, Object> playbook() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("id", "test");
        p.put("title", "t");
        p.put("description", "d");
        p.put("rules", new ArrayList<>(List.of(rule())));
        return p;
    }

    private static final Object[] HOSTILE = {"REMOVE", null, 1, -1, 1.5, true, "", " ", "*", "**", "?", "../x", "a/b", "a\\b", "C:\\Windows",
            "/etc", "..", "last tuesday", "*".repeat(1000) + "x", "A".repeat(5000), "ZZ", "A", List.of(), Map.of(), "\u0000", Long.MAX_VALUE,
            "NUL", "nul.*", "COM1.sys", "Windows/CON/x", "Windows/System32/drivers/aux.txt", "lpt9. ", "CONOUT$"};

    private static void check(Map<String, Object> p, String what) {
        byte[] json = Json.write(p);
        Playbook parsed;
        try {
            parsed = PlaybookParser.parse(json, "p.json");
        } catch (PlaybookException e) {
            assertTrue(e.getMessage().contains("p.json"), what + ": " + e.getMessage());
            return;
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": " + e, e);
        }
        for (Rule r : parsed.rules()) {
            assertTrue(!r.directory().isRoot() && r.glob().length() <= PlaybookParser.MAX_GLOB && !r.glob().contains("/"), what);
            assertTrue(r.directory().parts().stream().noneMatch(RelPath::isWindowsDeviceName) && !RelPath.isWindowsDeviceName(r.glob()), what);
        }
    }

    @Test
    void eachTopLevelFieldDamaged() {
        for (String field : playbook().keySet()) {
            for (Object v : HOSTILE) {
                Map<String, Object> p = playbook();
                if ("REMOVE".equals(v)) {
                    p.remove(field);
                } else {
                    p.put(field, v);
                }
                check(p, field + "=" + v);
            }
        }
    }

    @Test
    void eachRuleFieldDamaged() {
        for (String field : rule().keySet()) {
            for (Object v : HOSTILE) {
                Map<String, Object> r = rule();
                if ("REMOVE".equals(v)) {
                    r.remove(field);
                } else {
                    r.put(field, v);
                }
                Map<String, Object> p = playbook();
                p.put("rules", List.of(r));
                check(p, "rule " + field + "=" + v);
            }
        }
    }

    @Test
    void aRuleNamingAWindowsDeviceIsRefused() {
        // issue 21 #4: a directory or glob Windows would open as a device, in any case, with an extension or trailing dots and spaces
        String[][] cases = {{"directory", "Windows/System32/CON"}, {"directory", "nul/drivers"}, {"directory", "Windows\\Com1.sys\\x"},
                {"directory", "Windows/LPT1 ."}, {"directory", "Windows/CONIN$"}, {"glob", "NUL"}, {"glob", "nul.txt"}, {"glob", "COM9.sys"},
                {"glob", "aux.*"}, {"glob", "conout$"}, {"glob", "prn. "}};
        for (String[] c : cases) {
            Map<String, Object> r = rule();
            r.put(c[0], c[1]);
            Map<String, Object> p = playbook();
            p.put("rules", List.of(r));
            PlaybookException e = assertThrows(PlaybookException.class, () -> PlaybookParser.parse(Json.write(p), "p.json"), c[1]);
            assertTrue(e.getMessage().startsWith("rule 1 of playbook p.json") && e.getMessage().contains("device"), e.getMessage());
        }
        for (String nearMiss : new String[]{"CONFIG*.sys", "COM10.sys", "nulls.txt", "C-00000291*.sys"}) {
            Map<String, Object> r = rule();
            r.put("glob", nearMiss);
            Map<String, Object> p = playbook();
            p.put("rules", List.of(r));
            assertDoesNotThrow(() -> PlaybookParser.parse(Json.write(p), "p.json"), nearMiss);
        }
    }

    @Test
    void truncatedAtEveryFewBytesAndTooManyRules() {
        byte[] good = Json.write(playbook());
        for (int cut = 0; cut < good.length; cut += 7) {
            byte[] t = java.util.Arrays.copyOf(good, cut);
            PlaybookException e = assertThrows(PlaybookException.class, () -> PlaybookParser.parse(t, "p.json"), "cut at " + cut);
            assertTrue(e.getMessage().startsWith("playbook p.json"), e.getMessage());
        }
        Map<String, Object> p = playbook();
        List<Object> many = new ArrayList<>();
        for (int i = 0; i < PlaybookParser.MAX_RULES + 1; i++) {
            many.add(rule());
        }
        p.put("rules", many);
        PlaybookException e = assertThrows(PlaybookException.class, () -> PlaybookParser.parse(Json.write(p), "p.json"));
        assertTrue(e.getMessage().contains("1001 rules"), e.getMessage());
        assertEquals(1, assertThrows(PlaybookException.class,
                () -> PlaybookParser.parse("[".repeat(100_000).getBytes(StandardCharsets.US_ASCII), "p.json")).getMessage().lines().count());
    }
}
