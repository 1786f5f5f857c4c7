package io.bootmedic.format;

/**
 * One filter for every string that comes from an image or a file (a qcow2 feature name, a backing
 * file name, a playbook id) before it reaches a terminal or a log: control characters (C0, C1,
 * DEL) and Unicode format characters (bidi overrides) become '?', so such a string can neither
 * clear the screen nor print a line of its own, and it is cut at 120 characters.
 */
public final class Printable {
    static final int MAX = 120;

    private Printable() {
    }

    public static String of(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX + 3));
        int count = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (count == MAX) {
                b.append("...");
                break;
            }
            int type = Character.getType(cp);
            boolean hidden = Character.isISOControl(cp) || type == Character.FORMAT || type == Character.SURROGATE
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR || type == Character.UNASSIGNED;
            b.appendCodePoint(hidden ? '?' : cp);
            count++;
        }
        return b.toString();
    }
}
