package io.bootmedic.collector;

import io.bootmedic.collector.store.PlaybookScope;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scopes (who a publication targets) and agent.tags (what an agent says it is): parsed strictly, matched as the contract says. */
class PlaybookScopeTest {
    static final PlaybookScope.Asker PC = new PlaybookScope.Asker("Practice-PC01", "SER123", "4c4c4544-0001", Map.of("site", "berlin"));

    @Test
    void scopesMatchAllTagsAndMachinesByNameSerialOrVmIdIgnoringCase() throws Exception {
        assertTrue(PlaybookScope.parse(Map.of("kind", "all")).matches(PC));
        assertTrue(PlaybookScope.parse(Map.of("kind", "tag", "key", "site", "value", "berlin")).matches(PC));
        assertFalse(PlaybookScope.parse(Map.of("kind", "tag", "key", "site", "value", "Berlin")).matches(PC), "tag values are exact");
        assertFalse(PlaybookScope.parse(Map.of("kind", "tag", "key", "floor", "value", "3")).matches(PC));
        for (String name : new String[]{"PRACTICE-PC01", "ser123", "4C4C4544-0001"}) {
            assertTrue(PlaybookScope.parse(Map.of("kind", "machines", "machines", List.of("x", name))).matches(PC), name);
        }
        assertFalse(PlaybookScope.parse(Map.of("kind", "machines", "machines", List.of("PRACTICE-PC02"))).matches(PC));
        assertFalse(PlaybookScope.parse(Map.of("kind", "machines", "machines", List.of("PC"))).matches(new PlaybookScope.Asker(null, null, null, Map.of())));
        PlaybookScope s = PlaybookScope.parse(Map.of("kind", "machines", "machines", List.of("A", "B")));
        assertEquals(s, PlaybookScope.parse(s.toJson()), "the stored JSON reads back the same");
    }

    @Test
    void badScopesAreRefusedWithTheFieldNamed() {
        List<Map<String, Object>> bad = List.of(Map.of(), Map.of("kind", "everyone"), Map.of("kind", "tag", "key", "site"),
                Map.of("kind", "tag", "key", "a=b", "value", "c"), Map.of("kind", "machines", "machines", List.of()),
                Map.of("kind", "machines", "machines", List.of(7)), Map.of("kind", "machines", "machines", List.of("x".repeat(200))),
                Map.of("kind", "machines", "machines", java.util.Collections.nCopies(PlaybookScope.MAX_MACHINES + 1, "A")));
        for (Map<String, Object> m : bad) {
            assertThrows(PlaybookScope.InvalidScopeException.class, () -> PlaybookScope.parse(m), m.toString().substring(0, Math.min(80, m.toString().length())));
        }
        assertThrows(PlaybookScope.InvalidScopeException.class, () -> PlaybookScope.parse(null));
    }

    @Test
    void agentTagsAreValidatedAndWrittenBack() throws Exception {
        assertEquals(Map.of("model", "t14", "site", "berlin"), AgentConfig.parseTags("site=berlin, model=t14"));
        assertEquals(Map.of(), AgentConfig.parseTags("  "));
        for (String bad : new String[]{"site", "=x", "site=berlin,site=paris", "site=a b", "s ite=x", "site="}) {
            assertThrows(IllegalArgumentException.class, () -> new AgentConfig(URI.create("https://h:1"), null, "t", 5, AgentConfig.parseTags(bad)), bad);
        }
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= AgentConfig.MAX_TAGS; i++) {
            many.append(i == 0 ? "" : ",").append("k").append(i).append("=v");
        }
        assertThrows(IllegalArgumentException.class, () -> new AgentConfig(URI.create("https://h:1"), null, "t", 5, AgentConfig.parseTags(many.toString())));
        AgentConfig c = new AgentConfig(URI.create("https://h:1"), null, "t", 5, Map.of("site", "berlin"));
        assertTrue(c.text().contains("agent.tags=site=berlin\n"), c.text());
        assertTrue(new AgentConfig(URI.create("https://h:1"), null, "t").text().contains("agent.tags=\n"));
    }
}
