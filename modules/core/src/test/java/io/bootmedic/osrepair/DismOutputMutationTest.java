package io.bootmedic.osrepair;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every character of a recorded package table changed to each character that matters to the parser, and every
 * truncation: the listing is read (each identity still of the documented form, never more rows than printed) or
 * refused with DISM's form named; nothing else is thrown. A cut anywhere before the closing line is always refused.
 */
class DismOutputMutationTest {
    static final String TABLE = DismRecordings.piped(DismRecordings.table(List.of(DismRecordings.LCU, DismRecordings.OLD_LCU, DismRecordings.SSU,
            DismRecordings.LANG)));
    static final char[] HOSTILE = {'|', '\r', '\n', '~', ' ', '-', 'x', '.', '\u00e4', '\0', '\u2028'};

    static void readOrRefuse(String text) {
        try {
            List<DismOutput.Package> p = DismOutput.packages(text);
            assertTrue(p.size() <= 4, "more rows than printed: " + p.size());
            for (DismOutput.Package pkg : p) {
                assertTrue(DismOutput.IDENTITY.matcher(pkg.identity()).matches(), pkg.identity());
                assertTrue(!pkg.state().isEmpty() && pkg.state().length() <= 64, pkg.state());
            }
        } catch (DismOutput.UnreadableException e) {
            assertTrue(e.getMessage().contains("DISM"), e.getMessage());
        }
        String said = DismOutput.error(text);
        assertTrue(said.length() <= 300 && said.chars().noneMatch(Character::isISOControl), said);
    }

    @Test
    void everyCharacterChangedIsReadOrRefused() {
        int read = 0;
        Set<String> refusals = new HashSet<>();
        for (int i = 0; i < TABLE.length(); i++) {
            for (char c : HOSTILE) {
                if (TABLE.charAt(i) == c) {
                    continue;
                }
                String mutated = TABLE.substring(0, i) + c + TABLE.substring(i + 1);
                readOrRefuse(mutated);
                try {
                    DismOutput.packages(mutated);
                    read++;
                } catch (DismOutput.UnreadableException e) {
                    refusals.add(e.getMessage().replaceAll("line \\d+", "line N"));
                }
            }
        }
        assertTrue(read > 0 && refusals.size() >= 4, read + " read, refusals: " + refusals);
    }

    @Test
    void everyCutBeforeTheClosingLineIsRefused() {
        int closing = TABLE.indexOf(DismOutput.SUCCESS) + DismOutput.SUCCESS.length();
        for (int n = 0; n <= TABLE.length(); n++) {
            String cut = TABLE.substring(0, n);
            readOrRefuse(cut);
            boolean refused;
            try {
                DismOutput.packages(cut);
                refused = false;
            } catch (DismOutput.UnreadableException e) {
                refused = true;
            }
            assertEquals(n < closing, refused, "cut at " + n);
        }
    }

    @Test
    void hugeOutputIsRefusedBeforeItIsSplit() {
        String huge = "x".repeat(DismOutput.MAX_CHARS + 1);
        readOrRefuse(huge);
        StringBuilder many = new StringBuilder("Package Identity | State | Release Type | Install Time\r\n");
        for (int i = 0; i <= DismOutput.MAX_PACKAGES; i++) {
            many.append("P~~~~").append(i).append(" | Installed | Update | \r\n");
        }
        many.append(DismOutput.SUCCESS);
        try {
            DismOutput.packages(many.toString());
            throw new AssertionError("a list longer than the bound was read");
        } catch (DismOutput.UnreadableException e) {
            assertTrue(e.getMessage().contains("more than " + DismOutput.MAX_PACKAGES), e.getMessage());
        }
    }
}
