package io.bootmedic.keys;

import io.bootmedic.format.InputFiles;
import io.bootmedic.util.Json;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the recovery-key exports IT staff hold, recognised by content: CSV in the shapes seen in
 * the field (any case, comma or semicolon, UTF-8 or UTF-16 with a BOM, PowerShell's #TYPE line),
 * AD LDIF of msFVE-RecoveryInformation objects, and Microsoft Graph bitlockerRecoveryKey JSON.
 * Rows that cannot be used are reported by line, never skipped silently, and never quoted.
 */
public final class KeyFileReader {
    static final Set<String> ID_COLUMNS = Set.of("keyid", "id", "recoverykeyid", "msfverecoveryguid", "recoveryguid", "guid",
            "passwordid", "keyprotectorid", "bitlockerkeyid", "recoverypasswordid");
    static final Set<String> PASSWORD_COLUMNS = Set.of("recoverykey", "key", "recoverypassword", "msfverecoverypassword", "password",
            "bitlockerrecoverypassword", "bitlockerrecoverykey");
    static final Set<String> HOST_COLUMNS = Set.of("hostname", "computername", "computer", "devicename", "displayname", "machinename", "host");
    private static final Pattern DN_GUID = Pattern.compile("\\{([0-9A-Fa-f-]{36})\\}");

    /** A row that was not imported, and why (the reason never contains key digits). */
    public record RowProblem(String source, int line, String reason) {
        @Override
        public String toString() {
            return source + " line " + line + ": " + reason;
        }
    }

    public record Result(List<KeyRecord> records, List<RowProblem> problems) {
    }

    private KeyFileReader() {
    }

    /**
     * The largest export read, checked before the file is read, so a huge file is one sentence, not an
     * OutOfMemoryError. Both caps were measured to load in a 256 MiB heap (200,000 MBAM-style rows,
     * 32 MiB of UTF-16); 500,000 rows did not. A bigger fleet splits its export by OU or site.
     */
    public static final long MAX_BYTES = 32L * 1024 * 1024;
    /** The most rows (CSV lines, LDIF entries, JSON items) one export may hold. */
    public static final int MAX_ROWS = 200_000;
    /** The longest value, after LDIF unfolding: no attribute of a recovery-information object comes near it. */
    static final int MAX_VALUE = 64 * 1024;

    public static Result read(Path file) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new KeyFileException("key file " + file + " does not exist: check the path");
        } catch (IOException e) {
            throw new KeyFileException("key file " + file + " cannot be examined: " + reason(e));
        }
        requireSize(size, file.toString());
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new KeyFileException("key file " + file + " cannot be read: " + reason(e));
        }
        return read(content, file.getFileName().toString());
    }

    private static void requireSize(long size, String name) throws KeyFileException {
        if (size > MAX_BYTES) {
            throw new KeyFileException("key file " + name + " has " + (size >> 20) + " MiB, more than the " + (MAX_BYTES >> 20)
                    + " MiB (about " + MAX_ROWS + " keys) bootmedic reads from one export: split it (e.g. by OU or site) and give each part with --key-file");
        }
    }

    static String reason(IOException e) {
        return InputFiles.reason(e);
    }

    /** The shapes of export, for a caller that knows which one it holds (the fuzz targets feed each on its own). */
    public enum Shape {
        CSV, LDIF, GRAPH_JSON
    }

    /** Reads {@code content} as the given shape, without recognising it by content. */
    public static Result read(byte[] content, String name, Shape shape) throws IOException {
        requireSize(content.length, name);
        String text = decode(content);
        return switch (shape) {
            case CSV -> csv(text, name);
            case LDIF -> ldif(text, name);
            case GRAPH_JSON -> json(text, name);
        };
    }

    /** Reads an export already in memory (an upload); {@code name} labels its rows in problems and sources. */
    public static Result read(byte[] content, String name) throws IOException {
        requireSize(content.length, name);
        String text = decode(content);
        String trimmed = text.stripLeading();
        if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
            return json(text, name);
        }
        if (trimmed.regionMatches(true, 0, "dn:", 0, 3) || text.toLowerCase(Locale.ROOT).contains("\ndn:")) {
            return ldif(text, name);
        }
        return csv(text, name);
    }

    static String decode(byte[] b) {
        if (b.length >= 2 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE) {
            return new String(b, 2, b.length - 2, StandardCharsets.UTF_16LE);
        }
        if (b.length >= 2 && (b[0] & 0xFF) == 0xFE && (b[1] & 0xFF) == 0xFF) {
            return new String(b, 2, b.length - 2, StandardCharsets.UTF_16BE);
        }
        if (b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
            return new String(b, 3, b.length - 3, StandardCharsets.UTF_8);
        }
        int nulOdd = 0;
        for (int i = 1; i < Math.min(b.length, 200); i += 2) {
            nulOdd += b[i] == 0 ? 1 : 0;
        }
        Charset cs = nulOdd > 20 ? StandardCharsets.UTF_16LE : StandardCharsets.UTF_8;
        return new String(b, cs);
    }

    static String column(String header) {
        return header.replaceAll("[\\s_\\-\"']", "").toLowerCase(Locale.ROOT);
    }

    private static Result csv(String text, String name) throws IOException {
        // skip blank lines and PowerShell's "#TYPE ..." line without copying the text
        int start = 0;
        int skipped = 0;
        while (start < text.length()) {
            int end = lineEnd(text, start);
            String line = text.substring(start, end);
            if (!line.isBlank() && !line.startsWith("#TYPE")) {
                break;
            }
            skipped++;
            start = next(text, end);
        }
        if (start >= text.length()) {
            return new Result(List.of(), List.of(new RowProblem(name, 1, "the file is empty")));
        }
        long lines = text.chars().skip(start).filter(c -> c == '\n').count();
        if (lines > MAX_ROWS + 1) {
            throw tooManyRows(name);
        }
        String header = text.substring(start, lineEnd(text, start));
        char delimiter = header.chars().filter(c -> c == ';').count() > header.chars().filter(c -> c == ',').count() ? ';' : ',';
        List<KeyRecord> records = new ArrayList<>();
        List<RowProblem> problems = new ArrayList<>();
        CSVFormat format = CSVFormat.DEFAULT.builder().setDelimiter(delimiter).setHeader().setSkipHeaderRecord(true).setIgnoreEmptyLines(true)
                .setTrim(true).setAllowMissingColumnNames(true).setDuplicateHeaderMode(org.apache.commons.csv.DuplicateHeaderMode.ALLOW_ALL).build();
        java.io.StringReader reader = new java.io.StringReader(text);
        reader.skip(start);
        CSVParser parser;
        try {
            parser = CSVParser.parse(reader, format);
        } catch (IOException | RuntimeException e) {
            throw csvError(name, skipped + 1, e);
        }
        try (parser) {
            Map<String, String> columns = new LinkedHashMap<>();
            for (String h : parser.getHeaderNames()) {
                columns.putIfAbsent(column(h), h);
            }
            String idCol = first(columns, ID_COLUMNS);
            String pwCol = first(columns, PASSWORD_COLUMNS);
            String hostCol = first(columns, HOST_COLUMNS);
            String dnCol = columns.getOrDefault("distinguishedname", columns.get("dn"));
            if (pwCol == null) {
                return new Result(List.of(), List.of(new RowProblem(name, skipped + 1,
                        "no recovery-password column (looked for RecoveryKey, Key, RecoveryPassword, msFVE-RecoveryPassword)")));
            }
            java.util.Iterator<CSVRecord> rows = parser.iterator();
            while (true) {
                CSVRecord row;
                try {
                    if (!rows.hasNext()) {
                        break;
                    }
                    row = rows.next();
                } catch (RuntimeException e) {
                    throw csvError(name, (int) parser.getCurrentLineNumber() + skipped, e);
                }
                if (records.size() + problems.size() >= MAX_ROWS) {
                    throw tooManyRows(name);
                }
                int line = (int) parser.getCurrentLineNumber() + skipped;
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("id", idCol == null ? null : get(row, idCol));
                fields.put("password", get(row, pwCol));
                fields.put("host", hostCol == null ? null : get(row, hostCol));
                fields.put("dn", dnCol == null ? null : get(row, dnCol));
                add(fields, name, line, records, problems);
            }
        }
        return new Result(records, problems);
    }

    private static int lineEnd(String text, int from) {
        int nl = text.indexOf('\n', from);
        int end = nl < 0 ? text.length() : nl;
        return end > from && text.charAt(end - 1) == '\r' ? end - 1 : end;
    }

    private static int next(String text, int lineEnd) {
        int nl = text.indexOf('\n', lineEnd);
        return nl < 0 ? text.length() : nl + 1;
    }

    private static KeyFileException tooManyRows(String name) {
        return new KeyFileException("key file " + name + " has more than " + MAX_ROWS + " rows, more than bootmedic reads from one export: "
                + "split it (e.g. by OU or site) and give each part with --key-file");
    }

    /** commons-csv's own text ("Invalid char between encapsulated token and delimiter") said for a person. */
    private static KeyFileException csvError(String name, int line, Exception e) {
        return new KeyFileException("key file " + name + " is not a CSV bootmedic can read near line " + line
                + " (a quote that is not closed, or text after a closing quote): open it in a spreadsheet and save it again as CSV");
    }

    private static String get(CSVRecord row, String column) {
        return row.isMapped(column) && row.isSet(column) ? row.get(column) : null;
    }

    private static String first(Map<String, String> columns, Set<String> wanted) {
        for (Map.Entry<String, String> c : columns.entrySet()) {
            if (wanted.contains(c.getKey())) {
                return c.getValue();
            }
        }
        return null;
    }

    /** One candidate row: id (or a DN holding it), password, host; added or reported. */
    private static void add(Map<String, Object> f, String name, int line, List<KeyRecord> records, List<RowProblem> problems) {
        String id = (String) f.get("id");
        String dn = (String) f.get("dn");
        String host = (String) f.get("host");
        if ((id == null || id.isBlank()) && dn != null) {
            Matcher m = DN_GUID.matcher(dn);
            id = m.find() ? m.group(1) : null;
        }
        if (host == null && dn != null) {
            host = hostFromDn(dn);
        }
        String pw = (String) f.get("password");
        if (pw == null || pw.isBlank()) {
            problems.add(new RowProblem(name, line, "no recovery password in this row"));
            return;
        }
        if (id == null || !KeyId.isQuery(id) || KeyId.normalize(id).length() != 36) {
            problems.add(new RowProblem(name, line, "no valid key ID in this row"));
            return;
        }
        try {
            records.add(new KeyRecord(KeyId.parse(id), RecoveryPassword.parse(pw), host == null || host.isBlank() ? null : host.strip(), name + " line " + line));
        } catch (InvalidRecoveryPasswordException e) {
            problems.add(new RowProblem(name, line, "recovery password of key ID " + KeyId.normalize(id) + ": " + e.getMessage()));
        }
    }

    /** msFVE-RecoveryInformation lives under its computer: CN={date}{GUID},CN=PC01,OU=... */
    static String hostFromDn(String dn) {
        String[] rdns = dn.split("(?<!\\\\),");
        for (int i = 1; i < rdns.length; i++) {
            String r = rdns[i].strip();
            if (r.regionMatches(true, 0, "CN=", 0, 3)) {
                return r.substring(3);
            }
        }
        return null;
    }

    private static Result ldif(String text, String name) throws KeyFileException {
        Ldif state = new Ldif(name);
        StringBuilder logical = null;
        int logicalLine = 0;
        int lineNo = 0;
        int pos = 0;
        // one pass: a line starting with a space continues the one before (RFC 2849 folding); it is
        // appended to a StringBuilder, so a value folded over 100,000 lines costs linear time
        while (pos <= text.length()) {
            int end = lineEnd(text, pos);
            String physical = text.substring(pos, end);
            int nl = text.indexOf('\n', pos);
            pos = nl < 0 ? text.length() + 1 : nl + 1;
            lineNo++;
            if (logical != null && physical.startsWith(" ")) {
                if (logical.length() + physical.length() > MAX_VALUE) {
                    throw new KeyFileException("key file " + name + " line " + logicalLine + ": a value folded over more than " + MAX_VALUE
                            + " characters; this is not an AD export of recovery information (ldifde writes each in a few lines)");
                }
                logical.append(physical, 1, physical.length());
                continue;
            }
            if (logical != null) {
                state.line(logical.toString(), logicalLine);
            }
            logical = new StringBuilder(physical);
            logicalLine = lineNo;
        }
        if (logical != null) {
            state.line(logical.toString(), logicalLine);
        }
        state.line("", lineNo + 1);
        return new Result(state.records, state.problems);
    }

    /** The entry being read and what was read so far. */
    private static final class Ldif {
        final String name;
        final List<KeyRecord> records = new ArrayList<>();
        final List<RowProblem> problems = new ArrayList<>();
        Map<String, Object> entry = new LinkedHashMap<>();
        int entryLine = 1;
        int entries;

        Ldif(String name) {
            this.name = name;
        }

        void line(String l, int line) throws KeyFileException {
            if (l.isBlank()) {
                if (entry.containsKey("broken")) {
                    entries++;
                } else if (entry.containsKey("password") || entry.containsKey("id")) {
                    if (++entries > MAX_ROWS) {
                        throw tooManyRows(name);
                    }
                    add(entry, name, entryLine, records, problems);
                }
                entry = new LinkedHashMap<>();
                entryLine = line + 1;
            } else if (!l.startsWith("#")) {
                ldifAttribute(l, entry, name, line, problems);
            }
        }
    }

    private static void ldifAttribute(String l, Map<String, Object> entry, String name, int line, List<RowProblem> problems) {
        int colon = l.indexOf(':');
        if (colon < 0) {
            return;
        }
        String attr = l.substring(0, colon).toLowerCase(Locale.ROOT);
        boolean base64 = l.startsWith("::", colon);
        String value = l.substring(colon + (base64 ? 2 : 1)).strip();
        if (!attr.equals("dn") && !attr.equals("msfve-recoveryguid") && !attr.equals("msfve-recoverypassword")) {
            return;
        }
        byte[] raw = null;
        if (base64) {
            try {
                raw = Base64.getDecoder().decode(value.replaceAll("\\s", ""));
            } catch (IllegalArgumentException e) {
                problems.add(new RowProblem(name, line, "the value of " + l.substring(0, colon) + " is marked as base64 (::) but is not valid base64"));
                entry.put("broken", true);
                return;
            }
        }
        switch (attr) {
            case "dn" -> entry.put("dn", raw != null ? new String(raw, StandardCharsets.UTF_8) : value);
            case "msfve-recoveryguid" -> entry.put("id", raw != null ? adGuid(raw) : value);
            default -> entry.put("password", raw != null ? new String(raw, StandardCharsets.UTF_8) : value);
        }
    }

    /** AD stores GUIDs as 16 bytes with the first three fields little-endian. */
    static String adGuid(String base64) {
        return adGuid(Base64.getDecoder().decode(base64));
    }

    static String adGuid(byte[] b) {
        if (b.length != 16) {
            return "invalid";
        }
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        return String.format(Locale.ROOT, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", le.getInt(0), le.getShort(4), le.getShort(6),
                b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    }

    @SuppressWarnings("unchecked")
    private static Result json(String text, String name) throws IOException {
        Object root;
        try {
            root = Json.readAny(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            int line = e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null ? j.getLocation().getLineNr() : 1;
            return new Result(List.of(), List.of(new RowProblem(name, Math.max(1, line), "not valid JSON here (a Graph export is one JSON document per page; "
                    + "save the response body as it came)")));
        }
        List<Object> items;
        if (root instanceof Map<?, ?> m && m.get("value") instanceof List<?> v) {
            items = (List<Object>) v; // Microsoft Graph: {"value": [...], "@odata.nextLink": ...}
        } else if (root instanceof List<?> l) {
            items = (List<Object>) l;
        } else {
            return new Result(List.of(), List.of(new RowProblem(name, 1, "expected a Graph response {\"value\": [...]} or a list of keys")));
        }
        if (items.size() > MAX_ROWS) {
            throw tooManyRows(name);
        }
        List<KeyRecord> records = new ArrayList<>();
        List<RowProblem> problems = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (!(items.get(i) instanceof Map<?, ?> item)) {
                problems.add(new RowProblem(name, i + 1, "item " + (i + 1) + " is not an object"));
                continue;
            }
            Map<String, String> byColumn = new LinkedHashMap<>();
            item.forEach((k, v) -> byColumn.put(column(String.valueOf(k)), v == null ? null : String.valueOf(v)));
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("id", pick(byColumn, ID_COLUMNS));
            f.put("password", pick(byColumn, PASSWORD_COLUMNS));
            f.put("host", pick(byColumn, HOST_COLUMNS));
            add(f, name, i + 1, records, problems);
        }
        return new Result(records, problems);
    }

    private static String pick(Map<String, String> byColumn, Set<String> wanted) {
        for (Map.Entry<String, String> e : byColumn.entrySet()) {
            if (wanted.contains(e.getKey()) && e.getValue() != null) {
                return e.getValue();
            }
        }
        return null;
    }
}
