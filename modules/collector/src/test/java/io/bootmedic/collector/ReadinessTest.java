package io.bootmedic.collector;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the agent writes is what the collector reads, and the armed rule reads each field it names. */
class ReadinessTest {
    static final String KEY = "0123456789abcdef";

    static Readiness staged(String version, List<String> keys, Readiness.WinReState state, boolean staged) {
        return new Readiness(version, "PC-1", "SN1", null, keys, state, staged, 300L << 20, "\\\\?\\GLOBALROOT\\device\\harddisk0\\partition4\\Recovery\\WindowsRE",
                1_767_600_000_000L);
    }

    @Test
    void theAgentsJsonParsesBackToTheSameRecord() throws Exception {
        Readiness r = staged("2.0", List.of(KEY), Readiness.WinReState.ENABLED, true);
        assertEquals(r, Readiness.parse(r.toJson()));
        String json = new String(r.toJson(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"schema\" : \"bootmedic.readiness/v1\"") || json.contains("\"schema\":\"bootmedic.readiness/v1\""), json);
    }

    @Test
    void aStagingRefusedForRoomIsItsOwnReasonAndContradictionsAreRefused() throws Exception {
        Readiness refused = new Readiness("2.0", "PC-1", null, null, List.of(KEY), Readiness.WinReState.ENABLED, false, 90L << 20, null,
                1_767_600_000_000L, true);
        assertEquals(refused, Readiness.parse(refused.toJson()), "winre.refused round-trips");
        assertEquals(List.of(Armed.Reason.NO_ROOM), Armed.reasons(refused, "2.0", Set.of(KEY)), "not 'not staged': the fix is to grow the partition");
        String json = new String(refused.toJson(), StandardCharsets.UTF_8);
        String stagedToo = json.replace("\"staged\" : false", "\"staged\" : true").replace("\"staged\":false", "\"staged\":true");
        assertTrue(assertThrows(Readiness.InvalidReadinessException.class, () -> Readiness.parse(stagedToo.getBytes(StandardCharsets.UTF_8)))
                .getMessage().contains("winre.refused"));
        String other = json.replace("no-room", "no-luck");
        assertTrue(assertThrows(Readiness.InvalidReadinessException.class, () -> Readiness.parse(other.getBytes(StandardCharsets.UTF_8)))
                .getMessage().contains("winre.refused must be"));
        assertTrue(Armed.stale(0, Armed.STALE_AFTER_MILLIS + 1) && !Armed.stale(0, Armed.STALE_AFTER_MILLIS));
    }

    @Test
    void eachConditionOfArmedIsItsOwnReason() {
        Set<String> known = Set.of(KEY);
        assertEquals(List.of(), Armed.reasons(staged("2.0", List.of(KEY), Readiness.WinReState.ENABLED, true), "2.0", known));
        assertEquals(List.of(Armed.Reason.NOT_STAGED), Armed.reasons(staged("2.0", List.of(KEY), Readiness.WinReState.ENABLED, false), "2.0", known));
        assertEquals(List.of(Armed.Reason.WINRE_DISABLED), Armed.reasons(staged("2.0", List.of(KEY), Readiness.WinReState.DISABLED, true), "2.0", known));
        assertEquals(List.of(Armed.Reason.OLD_AGENT), Armed.reasons(staged("1.9", List.of(KEY), Readiness.WinReState.ENABLED, true), "2.0", known));
        assertEquals(List.of(Armed.Reason.NO_TRUSTED_KEYS), Armed.reasons(staged("2.0", List.of(), Readiness.WinReState.ENABLED, true), "2.0", Set.of()),
                "no key at all disarms even when the collector lists none");
        assertEquals(List.of(Armed.Reason.UNKNOWN_KEYS), Armed.reasons(staged("2.0", List.of("fedcba9876543210"), Readiness.WinReState.ENABLED, true),
                "2.0", known));
        assertEquals(List.of(), Armed.reasons(staged("2.0", List.of("fedcba9876543210"), Readiness.WinReState.ENABLED, true), "2.0", Set.of()),
                "a collector without trusted-keys/ accepts any key");
    }

    @Test
    void aNumberTooLargeOrAnEmptyNameIsRefusedByName() {
        String big = new String(staged("2.0", List.of(), Readiness.WinReState.ENABLED, true).toJson(), StandardCharsets.UTF_8)
                .replaceFirst("\"freeBytes\" ?: ?\\d+", "\"freeBytes\":" + ((1L << 50) + 1));
        Readiness.InvalidReadinessException e = assertThrows(Readiness.InvalidReadinessException.class, () -> Readiness.parse(big.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("winre.freeBytes"), e.getMessage());
        String blank = new String(staged("2.0", List.of(), Readiness.WinReState.ENABLED, true).toJson(), StandardCharsets.UTF_8).replace("\"PC-1\"", "\"  \"");
        e = assertThrows(Readiness.InvalidReadinessException.class, () -> Readiness.parse(blank.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("computerName"), e.getMessage());
    }
}
