package io.bootmedic.cloud.engine;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NamingTest {
    @Test
    void namesCarryTheWholeRunAndSourceIdAndAreNeverTruncated() {
        Naming n = new Naming("abcd1234", 63);
        String a = "1234567890123456789";
        String b = "1234567890123456780"; // the same but its last digit
        assertEquals("bm-abcd1234-1234567890123456789-snap1", n.snapshot(a, 1));
        assertNotEquals(n.copy(a, 1), n.copy(b, 1));
        assertNull(n.refusal(a));
        String guid = "0f8fad5b-d9cb-469f-a165-70867728950e";
        String refused = new Naming("abcd1234", 40).refusal(guid);
        assertNotNull(refused);
        assertTrue(refused.contains("over the cloud's 40"), refused);
        assertNotNull(n.refusal("name with spaces"));
    }

    @Test
    void somethingFoundIsOursOnlyWithBothTags() {
        Naming n = new Naming("abcd1234", 63);
        assertTrue(n.ours(n.tags("42"), "42"));
        assertFalse(n.ours(n.tags("43"), "42"));
        assertFalse(n.ours(new Naming("zzzz9999", 63).tags("42"), "42"));
        assertFalse(n.ours(Map.of(), "42"));
        assertFalse(n.ours(null, "42"));
    }
}
