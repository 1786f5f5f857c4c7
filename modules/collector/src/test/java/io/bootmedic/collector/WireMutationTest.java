package io.bootmedic.collector;

import io.bootmedic.collector.client.ServedPlaybook;
import io.bootmedic.collector.http.PublishRequest;
import io.bootmedic.collector.http.StrictJson;
import io.bootmedic.collector.store.PlaybookScope;
import io.bootmedic.format.FormatException;
import io.bootmedic.playbook.PublishedPlaybook;
import io.bootmedic.util.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three bodies of the self-healing routes, each field removed, of the wrong type or hostile:
 * a readiness report, a playbook publish and the active-playbooks answer an agent reads. Each
 * either parses into checked values or is refused with the parser's own exception and a message
 * naming the part; nothing else escapes (the fuzz targets ReadinessFuzzTest,
 * PlaybookPublishFuzzTest and ActivePlaybooksFuzzTest search the space between these cases).
 */
class WireMutationTest {
    private static final Object[] HOSTILE = {"REMOVE", null, 0, -1, 1.5, true, "", " ", "\u0000", "A".repeat(5000), "%%%", "====",
        List.of(), List.of(1), Map.of(), Long.MAX_VALUE, "9".repeat(40)};
    private static final byte[] PLAYBOOK = "{\"id\":\"p\",\"rules\":[]}".getBytes(StandardCharsets.UTF_8);

    @FunctionalInterface
    interface Parser {
        Object parse(byte[] body) throws FormatException;
    }

    /** Parses {@code doc}; a refusal must be {@code refusal} with a message. Returns the value, or null when refused. */
    private static Object parseOrRefuse(Parser p, Class<? extends FormatException> refusal, Map<String, Object> doc, String what) {
        try {
            return p.parse(Json.write(doc));
        } catch (FormatException e) {
            if (refusal != null) { // null: any of the route's own refusals (the strict JSON check's or the reader's)
                assertEquals(refusal, e.getClass(), what + ": " + e);
            }
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank() && e.getMessage().length() < 400, what + ": " + e.getMessage());
            return null;
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": " + e, e);
        }
    }

    private static void eachFieldDamaged(Map<String, Object> good, Parser p, Class<? extends FormatException> refusal,
                                         java.util.function.Consumer<Object> check) {
        assertTrue(parseOrRefuse(p, refusal, good, "the good document") != null, "the good document parses");
        for (String path : paths(good, "")) {
            for (Object v : HOSTILE) {
                Map<String, Object> doc = copy(good);
                set(doc, path, v);
                Object parsed = parseOrRefuse(p, refusal, doc, path + "=" + v);
                if (parsed != null) {
                    check.accept(parsed);
                }
            }
        }
    }

    @Test
    void readinessReports() throws Exception {
        Map<String, Object> good = Json.readObject(new Readiness("1.0.0", "PC-0001", "SN-1", "vm-1", List.of("0123456789abcdef"),
                Readiness.WinReState.ENABLED, true, 300L << 20, "\\\\?\\GLOBALROOT\\device\\harddisk0\\partition4", 1_767_600_000_000L).toJson());
        eachFieldDamaged(good, body -> {
            StrictJson.check(body);
            return Readiness.parse(body);
        }, null, parsed -> {
            Readiness r = (Readiness) parsed;
            assertTrue(r.computerName() != null && !r.computerName().isBlank() && r.freeBytes() >= 0 && r.trustedKeys().size() <= Readiness.MAX_KEYS);
        });
    }

    @Test
    void enrolments() throws Exception {
        Map<String, Object> good = Json.readObject(new Enrolment("PC-0001", "SN-1", "vm-1", Map.of("site", "berlin"),
                List.of("64311DEA-4587-4029-924A-BA299647998E")).toJson());
        eachFieldDamaged(good, body -> {
            StrictJson.check(body);
            return Enrolment.parse(body);
        }, null, parsed -> {
            Enrolment e = (Enrolment) parsed;
            assertTrue(!e.computerName().isBlank() && e.computerName().length() <= 128 && e.keyIds().size() <= Enrolment.MAX_KEY_IDS);
            e.keyIds().forEach(k -> assertTrue(k.matches("[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}"), k));
        });
    }

    @Test
    void playbookPublishes() {
        Map<String, Object> good = new LinkedHashMap<>();
        good.put("playbook", Base64.getEncoder().encodeToString(PLAYBOOK));
        good.put("signature", Base64.getEncoder().encodeToString("{\"algorithm\":\"Ed25519\"}".getBytes(StandardCharsets.UTF_8)));
        Map<String, Object> scope = new LinkedHashMap<>();
        scope.put("kind", "machines");
        scope.put("machines", new ArrayList<>(List.of("PC-0001", "SN-1")));
        good.put("scope", scope);
        eachFieldDamaged(good, PublishRequest::parse, PublishRequest.InvalidPublishException.class, parsed -> {
            PublishRequest r = (PublishRequest) parsed;
            assertTrue(r.playbook().length > 0 && r.scope() != null);
            if (r.scope().kind() == PlaybookScope.Kind.MACHINES) {
                assertFalse(r.scope().machines().isEmpty());
                r.scope().machines().forEach(m -> assertTrue(!m.isBlank() && m.length() <= 128, m));
            }
        });
        // the three kinds, and every way a tag can be wrong
        for (Object kind : new Object[]{"all", "tag", "ALL", "everything", 1}) {
            for (Object key : new Object[]{"site", "", "-x", "a".repeat(65), 3}) {
                Map<String, Object> doc = copy(good);
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("kind", kind);
                s.put("key", key);
                s.put("value", "berlin");
                doc.put("scope", s);
                parseOrRefuse(PublishRequest::parse, PublishRequest.InvalidPublishException.class, doc, "scope " + s);
            }
        }
    }

    @Test
    void activePlaybookAnswers() {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("publication", PublishedPlaybook.publicationId(PLAYBOOK));
        entry.put("playbook", Base64.getEncoder().encodeToString(PLAYBOOK));
        entry.put("signature", Base64.getEncoder().encodeToString("{}".getBytes(StandardCharsets.UTF_8)));
        Map<String, Object> good = new LinkedHashMap<>();
        good.put("playbooks", new ArrayList<>(List.of(entry)));
        eachFieldDamaged(good, ServedPlaybook::parseAnswer, ServedPlaybook.MalformedAnswerException.class, parsed -> {
            @SuppressWarnings("unchecked")
            List<ServedPlaybook> list = (List<ServedPlaybook>) parsed;
            list.forEach(p -> assertTrue(PublishedPlaybook.isPublicationId(p.publication()), p.publication()));
        });
        // a collector answering with more than an agent takes: the first 16, not an unbounded list
        List<Object> many = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add(entry);
        }
        Map<String, Object> flood = new LinkedHashMap<>();
        flood.put("playbooks", many);
        assertEquals(ServedPlaybook.MAX_PLAYBOOKS, ((List<?>) parseOrRefuse(ServedPlaybook::parseAnswer, ServedPlaybook.MalformedAnswerException.class,
                flood, "flood")).size());
        assertThrows(ServedPlaybook.MalformedAnswerException.class, () -> ServedPlaybook.parseAnswer("{\"playbooks\":[".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anUnknownFieldIsRefusedByANameFitForOneLine() {
        String hostile = "x\u001b[2J" + "y".repeat(100);
        Map<String, Object> publish = new LinkedHashMap<>();
        publish.put("playbook", Base64.getEncoder().encodeToString(PLAYBOOK));
        publish.put("scope", Map.of("kind", "all"));
        publish.put(hostile, 1);
        PublishRequest.InvalidPublishException p = assertThrows(PublishRequest.InvalidPublishException.class,
                () -> PublishRequest.parse(Json.write(publish)));
        Readiness.InvalidReadinessException r = assertThrows(Readiness.InvalidReadinessException.class, () -> {
            Map<String, Object> doc = Json.readObject(new Readiness("1.0.0", "PC", null, null, List.of(), Readiness.WinReState.ENABLED, true, 0,
                    null, 0).toJson());
            doc.put(hostile, 1);
            Readiness.parse(Json.write(doc));
        });
        for (String m : List.of(p.getMessage(), r.getMessage())) {
            assertTrue(m.contains("unknown field x?[2J" + "y".repeat(35) + "...") && m.chars().noneMatch(c -> c < 0x20), m);
        }
    }

    // --- paths into a JSON document: "a", "a.b", "a[0]", "a[0].b"

    private static List<String> paths(Object node, String prefix) {
        List<String> out = new ArrayList<>();
        if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String p = prefix.isEmpty() ? (String) e.getKey() : prefix + "." + e.getKey();
                out.add(p);
                out.addAll(paths(e.getValue(), p));
            }
        } else if (node instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                String p = prefix + "[" + i + "]";
                out.add(p);
                out.addAll(paths(l.get(i), p));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> copy(Map<String, Object> m) {
        try {
            return Json.readObject(Json.write(m));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Sets (or, for "REMOVE", removes) the value at {@code path}, a path as {@link #paths} names it. */
    @SuppressWarnings("unchecked")
    private static void set(Map<String, Object> doc, String path, Object v) {
        String[] steps = path.replace("[", ".[").split("\\.");
        Object parent = doc;
        for (int i = 0; i < steps.length - 1; i++) {
            parent = steps[i].startsWith("[") ? ((List<Object>) parent).get(index(steps[i])) : ((Map<String, Object>) parent).get(steps[i]);
        }
        String last = steps[steps.length - 1];
        boolean remove = "REMOVE".equals(v);
        if (last.startsWith("[")) {
            List<Object> l = (List<Object>) parent;
            if (remove) {
                l.remove(index(last));
            } else {
                l.set(index(last), v);
            }
        } else if (remove) {
            ((Map<String, Object>) parent).remove(last);
        } else {
            ((Map<String, Object>) parent).put(last, v);
        }
    }

    private static int index(String step) {
        return Integer.parseInt(step.substring(1, step.length() - 1));
    }
}
