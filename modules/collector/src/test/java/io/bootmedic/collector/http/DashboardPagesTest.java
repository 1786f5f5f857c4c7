package io.bootmedic.collector.http;

import io.bootmedic.collector.store.FleetQueries;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dashboard's pages on their own, without a request or a database: what agents sent is escaped everywhere. */
class DashboardPagesTest {
    static final String HOSTILE = "<script>alert(1)</script>";
    static final String ID = "0123456789abcdef0123456789abcdef";

    static FleetQueries.Machine machine(String name, String outcome, int reports) {
        return new FleetQueries.Machine(ID, name, "SN<1>", "vm\"1", "ntfs:1", outcome, "run-1", 1_000, 1_000, 2_000, reports, List.of());
    }

    @Test
    void aComputerNameFromAnAgentIsTextInEveryPage() {
        FleetQueries.Machine m = machine(HOSTILE, "fixed", 1);
        String list = DashboardPages.machines("", HOSTILE, 1, new FleetQueries.Page(List.of(m), 1, 1, 50));
        String detail = DashboardPages.machine(m, 1, 50, List.of());
        String overview = DashboardPages.overview(Map.of(), List.of(), List.of(new FleetQueries.Waiting(m, Map.of("KEY", false))),
                List.of(new FleetQueries.Rotation("K", ID, HOSTILE, "prompt", "run-1", 1_000)));
        for (String page : List.of(list, detail, overview)) {
            assertFalse(page.contains("<script>"), page);
            assertTrue(page.contains("&lt;script&gt;"), page);
        }
        assertTrue(list.contains("value=\"&lt;script&gt;"), "the search box shows the query as text: " + list);
        assertTrue(detail.contains("SN&lt;1&gt;") && detail.contains("vm&quot;1"), detail);
    }

    @Test
    void aStoredReportsActionsAreEscapedAndABrokenOneSaysSo() {
        String body = "{\"volumes\":[{\"volumeId\":\"v<1>\",\"outcome\":\"fixed\",\"actions\":[{\"action\":\"quarantined\",\"path\":\""
                + HOSTILE.replace("/", "\\/") + "\"}]}]}";
        String actions = DashboardPages.actions(body);
        assertTrue(actions.contains("v&lt;1&gt;: fixed") && actions.contains("quarantined &lt;script&gt;"), actions);
        assertEquals("<span class=\"error\">unreadable report</span>", DashboardPages.actions("{not json"));
    }

    @Test
    void aRepairsOldAndNewValueAndAFailuresReasonAreShownEscaped() {
        String body = "{\"volumes\":[{\"volumeId\":\"esp:1A2B-3C4D\",\"outcome\":\"fixed\",\"actions\":["
                + "{\"action\":\"repaired\",\"path\":\"EFI/Microsoft/Boot/BCD\",\"detail\":\"safeboot off -> safeboot minimal\"},"
                + "{\"action\":\"failed\",\"path\":\"SYSTEM\",\"error\":\"" + HOSTILE.replace("/", "\\/") + "\"}]}]}";
        String actions = DashboardPages.actions(body);
        assertTrue(actions.contains("repaired EFI/Microsoft/Boot/BCD <span class=\"detail\">(safeboot off -&gt; safeboot minimal)</span>"), actions);
        assertTrue(actions.contains("<span class=\"error\">&lt;script&gt;"), actions);
        assertFalse(actions.contains("<script>"), actions);
    }

    @Test
    void theOverviewCountsEveryOutcomeAndLinksToTheFilteredList() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("fixed", 2L);
        counts.put("failed", 1L);
        String overview = DashboardPages.overview(counts, List.of(new FleetQueries.HourCount(0, 3)), List.of(), List.of());
        assertTrue(overview.contains("id=\"count-fixed\" href=\"/machines?outcome=fixed\"><div class=\"n\">2</div>"), overview);
        assertTrue(overview.contains("<div class=\"n\" id=\"count-all\">3</div>"), overview);
        assertTrue(overview.contains("No recovery password has been used yet."), overview);
        assertTrue(overview.contains("<svg class=\"chart\" id=\"fixes-chart\""), overview);
    }

    @Test
    void pagersAppearOnlyWhereThereIsAnotherPage() {
        String first = DashboardPages.machine(machine("PC", "fixed", 120), 1, 50, List.of());
        assertTrue(first.contains("id=\"history-next\"") && !first.contains("id=\"history-prev\""), first);
        assertTrue(first.contains("page 1 of 3"), first);
        String last = DashboardPages.machine(machine("PC", "fixed", 120), 3, 50, List.of());
        assertTrue(last.contains("id=\"history-prev\"") && !last.contains("id=\"history-next\""), last);
        String audit = DashboardPages.audit(1, List.of());
        assertFalse(audit.contains("older"), audit);
    }
    @Test
    void thePlaybooksPageCountsMachinesPerPublicationAndEscapesWhatItShows() {
        var scope = new io.bootmedic.collector.store.PlaybookScope(io.bootmedic.collector.store.PlaybookScope.Kind.MACHINES, null, null, List.of(HOSTILE));
        var active = new io.bootmedic.collector.store.PlaybookStore.Publication("00112233445566aa", "acme-cf290", "3", HOSTILE, "k1", scope,
                new byte[0], new byte[0], 1_000, null);
        var retired = new io.bootmedic.collector.store.PlaybookStore.Publication("00112233445566bb", "old", "1", "t", "k1",
                io.bootmedic.collector.store.PlaybookScope.ALL, new byte[0], new byte[0], 1_000, 5_000L);
        String page = DashboardPages.playbooks(List.of(active, retired),
                Map.of("00112233445566aa", new io.bootmedic.collector.store.PlaybookStore.Counts(4, 2, 1)),
                Map.of("00112233445566aa", List.of(new io.bootmedic.collector.store.PlaybookStore.MachineRow(ID, HOSTILE, "failed", 3_600_000))));
        assertFalse(page.contains("<script>"), page);
        assertTrue(page.contains("<td class=\"fixed\">4</td><td class=\"failing\">2</td><td class=\"needs-key\">1</td>"), page);
        assertTrue(page.contains("<td class=\"fixed\">0</td><td class=\"failing\">0</td><td class=\"needs-key\">0</td>"), "no reports yet: zeros: " + page);
        assertTrue(page.contains("retired " + Html.time(5_000)), page);
        assertTrue(page.contains("href=\"/machines/" + ID + "\"") && page.contains(Html.time(3_600_000)), "each machine with when it reported: " + page);
        assertTrue(DashboardPages.playbooks(List.of(), Map.of(), Map.of()).contains("No playbook is published"));
    }

    static io.bootmedic.collector.store.ReadinessStore.Stored staged(String name, String version, List<String> keys, boolean enabled, boolean isStaged,
                                                                    long free) {
        return new io.bootmedic.collector.store.ReadinessStore.Stored(ID, new io.bootmedic.collector.Readiness(version, name, null, null, keys,
                enabled ? io.bootmedic.collector.Readiness.WinReState.ENABLED : io.bootmedic.collector.Readiness.WinReState.DISABLED, isStaged, free,
                null, 1_000), 2_000);
    }

    @Test
    void theArmedPageCountsTheArmedAndSaysWhyTheOthersAreNot() {
        List<String> known = List.of("0123456789abcdef");
        var fleet = new ReadinessRoutes.Fleet("2.0", new io.bootmedic.collector.KnownKeys(java.util.Set.copyOf(known), List.of("bad.pub: not a key")),
                List.of(staged("PC-OK", "2.0", known, true, true, 400L << 20),
                        staged("PC-SMALL", "2.0", known, true, true, 100L << 20),
                        staged(HOSTILE, "1.0", known, true, true, 400L << 20),
                        staged("PC-OFF", "2.0", List.of("fedcba9876543210"), false, false, 400L << 20)));
        String page = DashboardPages.armed(fleet);
        assertTrue(page.contains("id=\"armed-count\">2<") && page.contains("id=\"unarmed-count\">2<") && page.contains("id=\"armed-total\">4<"), page);
        assertFalse(page.contains("<script>"), page);
        int unarmed = page.indexOf("id=\"unarmed\"");
        int lowSpace = page.indexOf("id=\"low-space\"");
        assertTrue(unarmed > 0 && lowSpace > unarmed, page);
        String unarmedTable = page.substring(unarmed, lowSpace);
        assertTrue(unarmedTable.contains("&lt;script&gt;") && unarmedTable.contains("older agent"), unarmedTable);
        assertTrue(unarmedTable.contains("PC-OFF") && unarmedTable.contains("not in its WinRE") && unarmedTable.contains("WinRE is disabled")
                && unarmedTable.contains("none of the keys"), unarmedTable);
        assertFalse(unarmedTable.contains("PC-OK") || unarmedTable.contains("PC-SMALL"), unarmedTable);
        String small = page.substring(lowSpace);
        assertTrue(small.contains("PC-SMALL") && !small.contains("PC-OK") && small.contains("100 MB"), small);
        assertTrue(page.contains("Key file not read: bad.pub: not a key"), "a broken key file on the collector is said: " + page);

        assertTrue(page.contains("id=\"refused-no-room\">0<"), page);

        // a staging refused for room, and a machine not heard from in 40 days
        var old = new io.bootmedic.collector.store.ReadinessStore.Stored(ID, staged("PC-OLD", "2.0", known, true, true, 400L << 20).readiness(), 2_000);
        var full = new io.bootmedic.collector.store.ReadinessStore.Stored(ID, new io.bootmedic.collector.Readiness("2.0", "PC-FULL", null, null, known,
                io.bootmedic.collector.Readiness.WinReState.ENABLED, false, 80L << 20, null, 1_000, true), 2_000);
        long now = 2_000 + 40L * 24 * 3_600_000L;
        String aged = DashboardPages.armed(new ReadinessRoutes.Fleet("2.0", new io.bootmedic.collector.KnownKeys(java.util.Set.copyOf(known), List.of()),
                List.of(old, full), now));
        assertTrue(aged.contains("id=\"refused-no-room\">1<") && aged.contains("id=\"stale-count\">2<"), aged);
        assertTrue(aged.contains("grow it (Microsoft KB5028997)") && aged.contains("40 days ago") && aged.contains("class=\"stale\""), aged);
        assertTrue(aged.contains("stage-winre.ps1 -Check"), aged);
        assertEquals("5 min ago", DashboardPages.age(5 * 60_000L + 59_000));
        assertEquals("3 h ago", DashboardPages.age(3 * 3_600_000L + 1));

        String none = DashboardPages.armed(new ReadinessRoutes.Fleet("2.0", new io.bootmedic.collector.KnownKeys(java.util.Set.of(), List.of()),
                List.of(staged("PC-OK", "2.0", List.of("fedcba9876543210"), true, true, 400L << 20))));
        assertTrue(none.contains("id=\"no-unarmed\"") && none.contains("any key counts") && !none.contains("id=\"low-space\""), none);
    }
}
