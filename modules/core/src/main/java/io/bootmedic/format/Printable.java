package io.bootmedic.format;

/**
 * The one filter for text that came from an image, a file, a journal or the network before it
 * reaches a terminal or a log: a volume label, a computer name, a playbook id, a qcow2 feature
 * name, an exception message that quotes any of those. Such text could otherwise clear the screen
 * (ESC [2J), overwrite the line before it (CR), start a fake line ("\nbootmedic: fixed") or
 * reorder what the reader sees (the bidi override U+202E).
 *
 * <p>Every control character (C0, DEL, C1), every format character (bidi embeddings, overrides
 * and isolates U+202A-202E and U+2066-2069, marks such as U+200E/U+200F, zero-width characters,
 * U+FEFF), the line and paragraph separators U+2028/U+2029 and unpaired surrogates become '?';
 * text longer than the limit is cut and ends in "...". Everything else, including letters of any
 * script, is kept.
 */
public final class Printable {
    /** The limit of {@link #of(String)}: longer than any name or path bootmedic prints, short of a flooded screen. */
    public static final int DEFAULT_MAX = 1000;

    private Printable() {
    }

    /** {@code text} fit for one line of a terminal or log, at most {@link #DEFAULT_MAX} characters (plus "..."); null stays null. */
    public static String of(String text) {
        return of(text, DEFAULT_MAX);
    }

    /** {@code text} fit for one line, at most {@code max} characters (code points) before the "..." that marks a cut; null stays null. */
    public static String of(String text, int max) {
        if (text == null) {
            return null;
        }
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1");
        }
        StringBuilder b = new StringBuilder(Math.min(text.length(), max) + 3);
        int count = 0;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (count == max) {
                return b.append("...").toString();
            }
            count++;
            if (isHostile(c)) {
                b.append('?');
            } else {
                b.appendCodePoint(c);
            }
        }
        return b.toString();
    }

    /** Whether printing {@code codePoint} as it is could move the cursor, change the terminal or the direction of the text. */
    public static boolean isHostile(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SURROGATE -> true;
            default -> false;
        };
    }
}
