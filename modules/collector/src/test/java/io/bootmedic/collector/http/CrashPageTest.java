package io.bootmedic.collector.http;

import io.bootmedic.collector.store.CrashQueries;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The crash page on its own: even values the store would never keep are text, never markup. */
class CrashPageTest {
    static final String HOSTILE = "<script>alert(1)</script>\"'&";

    static CrashQueries.Summary summary(String value, int hours) {
        List<CrashQueries.Hour> perHour = new ArrayList<>();
        for (int i = 0; i < hours; i++) {
            perHour.add(new CrashQueries.Hour(1_721_350_800_000L + i * 3_600_000L, i % 5, i % 7));
        }
        CrashQueries.Top top = new CrashQueries.Top(value, value, 3, 4, 1_721_350_800_000L, 1_721_354_400_000L);
        return new CrashQueries.Summary(1_721_350_800_000L, 1_721_350_800_000L + hours * 3_600_000L, hours, new CrashQueries.Filter(value, value),
                3, 4, List.of(top), List.of(top), perHour, 1,
                List.of(new CrashQueries.PendingMachine("0123456789abcdef0123456789abcdef", value, 1_721_350_800_000L, List.of(value), List.of(value), value)), 1_721_354_400_000L,
                List.of(new CrashQueries.CrashedMachine("0123456789abcdef0123456789abcdef", value, 2, 1_721_354_400_000L)));
    }

    @Test
    void everyValueIsEscaped() {
        String page = CrashPage.html(new CrashPage.Query(48, CrashQueries.Filter.ALL), summary(HOSTILE, 48));
        assertTrue(page.contains("id=\"crashed\""), "the filtered page lists the machines");
        assertFalse(page.contains("<script>") || page.contains("\"'&<"), page);
        assertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"), page);
        assertTrue(page.contains("href=\"/crashes?hours=48&amp;code=%3Cscript%3E"), "links carry the value URL-encoded, then escaped: " + page);
    }

    @Test
    void theChartHasABarPerHourAndLabelsThatFit() {
        String week = CrashPage.chart(summary("x", 168).perHour());
        assertEquals(168, week.split("<rect ", -1).length - 1);
        assertTrue(week.split("<text ", -1).length - 1 <= 12 + 0, "a week gets 12 hour labels, no count labels on 4-pixel bars: " + week);
        String day = CrashPage.chart(summary("x", 48).perHour());
        assertTrue(day.contains("<title>2024-07-19 02:00:00 UTC: 1 machine, 1 dump</title>"), "the hour, its machines and dumps in the tooltip");
    }

    @Test
    void aQueryIsCheckedBeforeTheDatabaseSeesIt() {
        CrashPage.Query q = CrashPage.Query.of(Map.of("hours", "6", "code", "0xc000021a", "driver", "CSAgent.SYS"));
        assertEquals(6, q.hours());
        assertEquals(new CrashQueries.Filter("0xC000021A", "csagent.sys"), q.filter());
        assertEquals(48, CrashPage.Query.of(Map.of()).hours());
        assertEquals(CrashQueries.MAX_HOURS, CrashPage.Query.of(Map.of("hours", "9999")).hours());
        for (Map<String, String> bad : List.of(Map.of("code", "80"), Map.of("driver", "a/b.sys"), Map.of("driver", "a b.sys"), Map.of("hours", "x"))) {
            assertEquals(400, assertThrows(HttpIo.HttpError.class, () -> CrashPage.Query.of(bad)).status, bad.toString());
        }
    }
}
