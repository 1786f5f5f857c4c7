package io.bootmedic.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one filter for text from images and files on its way to a terminal or a log (issue 21). */
class PrintableTest {

    @Test
    void aFakeStatusLineCannotClearTheScreenOrStartALine() {
        String shown = Printable.of("\u001b[2J\rbootmedic: fixed\n\u001b]0;owned\u0007");
        assertEquals("?[2J?bootmedic: fixed??]0;owned?", shown);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B, 0x1F, 0x7F, 0x80, 0x85, 0x9B, 0x9F,
            0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x2028, 0x2029, 0xFEFF, 0xD800, 0xDFFF})
    void everyControlFormatAndBidiCharacterBecomesAQuestionMark(int c) {
        assertEquals("a?b", Printable.of("a" + (char) c + "b"), Integer.toHexString(c));
    }

    @Test
    void aBidiOverrideCannotMakeExeLookLikeTxt() {
        // "invoice<RLO>txt.exe" shows as "invoiceexe.txt" on a terminal that honours U+202E
        assertEquals("invoice?txt.exe", Printable.of("invoice\u202Etxt.exe"));
    }

    @Test
    void lettersOfAnyScriptAndEmojiAreKept() {
        String names = "PC-Ärzte-東京-Москва-😀 C-00000291*.sys";
        assertEquals(names, Printable.of(names));
    }

    @Test
    void longTextIsCutAndSaysSoCountingCharactersNotUtf16Units() {
        assertEquals("x".repeat(40) + "...", Printable.of("x".repeat(10_000), 40));
        assertEquals("x".repeat(40), Printable.of("x".repeat(40), 40));
        assertEquals("😀".repeat(3) + "...", Printable.of("😀".repeat(5), 3), "a surrogate pair is never cut in half");
        assertEquals(Printable.DEFAULT_MAX + 3, Printable.of("y".repeat(1_000_000)).length());
    }

    @Test
    void nullStaysNull() {
        assertNull(Printable.of(null));
    }

    @Test
    void theUnknownFieldOfAJsonDocumentUsesTheSameFilter() {
        String field = io.bootmedic.util.Json.firstUnknownField(java.util.Map.of("a\u202Eb\u001b" + "c".repeat(100), 1), java.util.Set.of());
        assertEquals(Printable.of("a\u202Eb\u001b" + "c".repeat(100), 40), field);
        assertTrue(field.endsWith("..."), field);
    }
}
