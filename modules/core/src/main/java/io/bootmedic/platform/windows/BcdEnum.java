package io.bootmedic.platform.windows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@code bcdedit /enum} output in any display language. Entry headings ("Windows Boot
 * Loader", "Windows-Startladeprogramm") and the identifier's own name ("identifier",
 * "Bezeichner") are translated; element names (device, osdevice, recoverysequence, safeboot) are
 * not. So an entry is a heading line underlined with dashes, its identifier is the value of its
 * first element, and everything else is looked up by element name. A value continued on indented
 * lines (displayorder, inherit) keeps every line. Bounded: the output of a hostile or broken store
 * cannot make it hold more than {@link #MAX_ENTRIES} entries.
 */
public final class BcdEnum {
    static final int MAX_CHARS = 1 << 20;
    static final int MAX_ENTRIES = 512;

    /** One entry: its heading, identifier, and elements by lower-case name in the order printed. */
    public record Entry(String heading, String identifier, Map<String, List<String>> elements) {
        /** The first value of {@code element}, or null. */
        public String value(String element) {
            List<String> v = elements.get(element.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        public boolean has(String element) {
            return elements.containsKey(element.toLowerCase(Locale.ROOT));
        }

        /** WinPE and WinRE loaders carry {@code winpe Yes} (in every language: values are not translated either). */
        public boolean isWinPe() {
            return "yes".equalsIgnoreCase(value("winpe"));
        }
    }

    private BcdEnum() {
    }

    public static List<Entry> parse(String output) {
        if (output.length() > MAX_CHARS) {
            throw new IllegalArgumentException("bcdedit printed " + output.length() + " characters, more than any boot configuration has");
        }
        String[] lines = output.split("\\R", -1);
        List<Entry> entries = new ArrayList<>();
        int i = 0;
        while (i < lines.length) {
            if (isHeading(lines, i)) {
                if (entries.size() == MAX_ENTRIES) {
                    throw new IllegalArgumentException("bcdedit listed more than " + MAX_ENTRIES + " entries");
                }
                i = readEntry(lines, i, entries);
            } else {
                i++;
            }
        }
        return entries;
    }

    private static boolean isHeading(String[] lines, int i) {
        return i + 1 < lines.length && !lines[i].isBlank() && !Character.isWhitespace(lines[i].charAt(0))
                && lines[i + 1].strip().length() >= 3 && lines[i + 1].strip().chars().allMatch(c -> c == '-');
    }

    /** Reads the entry whose heading is at {@code start}; returns the index of the first line after it. */
    private static int readEntry(String[] lines, int start, List<Entry> entries) {
        String heading = lines[start].strip();
        Map<String, List<String>> elements = new LinkedHashMap<>();
        String identifier = null;
        List<String> current = null;
        int i = start + 2;
        for (; i < lines.length && !isHeading(lines, i); i++) {
            String line = lines[i];
            if (line.isBlank()) {
                current = null;
            } else if (Character.isWhitespace(line.charAt(0))) {
                if (current != null) {
                    current.add(line.strip());
                }
            } else {
                String[] nameValue = line.strip().split("\\s+", 2);
                String value = nameValue.length > 1 ? nameValue[1] : "";
                if (identifier == null) {
                    identifier = value;
                    current = null;
                    continue;
                }
                current = elements.computeIfAbsent(nameValue[0].toLowerCase(Locale.ROOT), k -> new ArrayList<>());
                current.add(value);
            }
        }
        if (identifier != null) {
            entries.add(new Entry(heading, identifier, elements));
        }
        return i;
    }
}
