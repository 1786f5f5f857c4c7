package io.bootmedic.osrepair;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads what {@code DISM /English} prints (CRLF, the OEM code page, already decoded): the package table of
 * {@code /Get-Packages /Format:Table}, and the {@code Error: 0x...} block of a failure. Strict: a listing that does not
 * have the documented shape (its header, every row four cells, every identity of the form name~key~arch~lang~version,
 * the closing success line) is refused whole, so a repair never acts on a partial list. Bounded: at most
 * {@link #MAX_CHARS} characters and {@link #MAX_PACKAGES} rows.
 */
public final class DismOutput {
    static final int MAX_CHARS = 8 << 20;
    static final int MAX_PACKAGES = 20_000;
    static final String SUCCESS = "The operation completed successfully.";
    /** name~publicKeyToken~architecture~language~version: the identity DISM prints and /PackageName takes. */
    static final Pattern IDENTITY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,199}~[0-9a-fA-F]{0,16}~[A-Za-z0-9_]{0,16}~[A-Za-z0-9\\-]{0,32}~[0-9.]{1,48}");

    private DismOutput() {
    }

    /** One row of the package table. {@code installTime} is as printed (the image's locale), maybe empty. */
    public record Package(String identity, String state, String releaseType, String installTime) {
        /** "Install Pending", "Uninstall Pending": a servicing operation not yet finished at boot. */
        public boolean pending() {
            return state.toLowerCase(Locale.ROOT).contains("pending");
        }
    }

    /** The output could not be read as DISM's documented form; nothing may be done on its strength. */
    public static final class UnreadableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreadableException(String message) {
            super(message);
        }
    }

    public static List<Package> packages(String output) throws UnreadableException {
        if (output.length() > MAX_CHARS) {
            throw new UnreadableException("DISM printed " + output.length() + " characters, more than a package list has");
        }
        String[] lines = output.split("\r\n|\r|\n", -1);
        int header = -1;
        for (int i = 0; i < lines.length && header < 0; i++) {
            String[] cells = cells(lines[i]);
            if (cells.length == 4 && cells[0].equals("Package Identity") && cells[1].equals("State")) {
                header = i;
            }
        }
        if (header < 0) {
            throw new UnreadableException("DISM's output has no 'Package Identity | State | Release Type | Install Time' table");
        }
        List<Package> out = new ArrayList<>();
        boolean closed = false;
        for (int i = header + 1; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.equals(SUCCESS)) {
                closed = true;
                break;
            }
            if (line.chars().allMatch(c -> c == '-' || c == '|' || c == ' ')) {
                continue; // the rule under the header
            }
            String[] cells = cells(lines[i]);
            if (cells.length != 4) {
                throw new UnreadableException("line " + (i + 1) + " of DISM's package table has " + cells.length + " columns, not 4");
            }
            if (!IDENTITY.matcher(cells[0]).matches()) {
                throw new UnreadableException("line " + (i + 1) + " of DISM's package table does not start with a package identity");
            }
            if (cells[1].isEmpty() || cells[1].length() > 64) {
                throw new UnreadableException("line " + (i + 1) + " of DISM's package table has no state");
            }
            if (out.size() == MAX_PACKAGES) {
                throw new UnreadableException("DISM listed more than " + MAX_PACKAGES + " packages");
            }
            out.add(new Package(cells[0], cells[1], cells[2], cells[3]));
        }
        if (!closed) {
            throw new UnreadableException("DISM's package table does not end with '" + SUCCESS + "' (cut short?)");
        }
        return out;
    }

    private static String[] cells(String line) {
        String[] parts = line.split("\\|", -1);
        for (int i = 0; i < parts.length; i++) {
            parts[i] = parts[i].strip();
        }
        return parts;
    }

    /**
     * What DISM said went wrong, in one line: its {@code Error: <code>} and the message after it, or, without one, the
     * last non-empty line. Never longer than 300 characters.
     */
    public static String error(String output) {
        String text = output.length() > MAX_CHARS ? output.substring(0, MAX_CHARS) : output;
        String[] lines = text.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.startsWith("Error:")) {
                StringBuilder said = new StringBuilder(line);
                for (int j = i + 1; j < lines.length; j++) {
                    String next = lines[j].strip();
                    if (next.startsWith("The DISM log file can be found at")) {
                        break;
                    }
                    if (!next.isEmpty()) {
                        said.append(' ').append(next);
                    }
                }
                return clip(said.toString());
            }
        }
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                return clip(lines[i].strip());
            }
        }
        return "(DISM printed nothing)";
    }

    /** DISM's exit code is an HRESULT (0x800F082F) or a Win32 code (3010): shown as Windows shows it. */
    public static String code(int exit) {
        return exit < 0 || exit > 0xFFFF ? String.format(Locale.ROOT, "0x%08X", exit) : Integer.toString(exit);
    }

    private static String clip(String s) {
        String printable = s.replaceAll("\\p{Cntrl}", " ");
        return printable.length() <= 300 ? printable : printable.substring(0, 297) + "...";
    }
}
