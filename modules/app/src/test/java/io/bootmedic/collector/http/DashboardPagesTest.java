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
}
