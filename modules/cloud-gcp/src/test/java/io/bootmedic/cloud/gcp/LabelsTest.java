package io.bootmedic.cloud.gcp;

import io.bootmedic.cloud.engine.Naming;
import io.bootmedic.cloud.provider.CloudException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's tags as GCP labels: every label is one the API accepts, and every tag comes back exactly. */
class LabelsTest {
    private static final java.util.regex.Pattern KEY = java.util.regex.Pattern.compile("[a-z][a-z0-9_-]{0,62}");
    private static final java.util.regex.Pattern VALUE = java.util.regex.Pattern.compile("[a-z0-9_-]{0,63}");

    @Test
    void theEnginesTagsRoundTripAndAreValidLabels() {
        Random rnd = new Random(24);
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
        for (int n = 0; n < 5_000; n++) {
            StringBuilder uid = new StringBuilder();
            for (int k = 1 + rnd.nextInt(30); k > 0; k--) {
                uid.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            Map<String, String> tags = new Naming("abcd1234", 63).tags(uid.toString());
            Map<String, String> labels = Labels.encode(tags);
            labels.forEach((k, v) -> assertTrue(KEY.matcher(k).matches() && VALUE.matcher(v).matches(), k + "=" + v));
            assertEquals(tags, Labels.decode(labels), uid.toString());
        }
    }

    @Test
    void aGcpInstanceIdIsItsOwnLabelAndATagThatCannotBeALabelIsRefusedNotChanged() {
        assertEquals(Map.of("bootmedic-source", "4000000000000000009"), Labels.encode(Map.of("bootmedic-source", "4000000000000000009")));
        assertThrows(CloudException.class, () -> Labels.encode(Map.of("k", "a b")));
        assertThrows(CloudException.class, () -> Labels.encode(Map.of("k", "A".repeat(32))), "64 characters once encoded");
        assertThrows(CloudException.class, () -> Labels.encode(Map.of("Key", "v")), "a key starts with a lower-case letter");
        Map<String, String> foreign = new LinkedHashMap<>();
        foreign.put("env", "prod_x");
        assertEquals(Map.of("env", "prod_x"), Labels.decode(foreign), "a label bootmedic did not write is read as it is");
    }
}
