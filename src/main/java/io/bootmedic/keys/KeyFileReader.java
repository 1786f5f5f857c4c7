package io.bootmedic.keys;

import io.bootmedic.util.Json;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.StringReader;
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

    public static Result read(Path file) throws IOException {
        return read(Files.readAllBytes(file), file.getFileName().toString());
    }

    /** Reads an export already in memory (an upload); {@code name} labels its rows in problems and sources. */
    public static Result read(byte[] content, String name) throws IOException {
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
        List<String> lines = text.lines().toList();
        int skipped = 0;
        while (skipped < lines.size() && (lines.get(skipped).isBlank() || lines.get(skipped).startsWith("#TYPE"))) {
            skipped++;
        }
        if (skipped == lines.size()) {
            return new Result(List.of(), List.of(new RowProblem(name, 1, "the file is empty")));
        }
        String header = lines.get(skipped);
        char delimiter = header.chars().filter(c -> c == ';').count() > header.chars().filter(c -> c == ',').count() ? ';' : ',';
        String body = String.join("\n", lines.subList(skipped, lines.size()));
        List<KeyRecord> records = new ArrayList<>();
        List<RowProblem> problems = new ArrayList<>();
        CSVFormat format = CSVFormat.DEFAULT.builder().setDelimiter(delimiter).setHeader().setSkipHeaderRecord(true).setIgnoreEmptyLines(true)
                .setTrim(true).setAllowMissingColumnNames(true).build();
        try (CSVParser parser = CSVParser.parse(new StringReader(body), format)) {
            Map<String, String> columns = new LinkedHashMap<>();
            for (String h : parser.getHeaderNames()) {
                columns.put(column(h), h);
            }
            String idCol = first(columns, ID_COLUMNS);
            String pwCol = first(columns, PASSWORD_COLUMNS);
            String hostCol = first(columns, HOST_COLUMNS);
            String dnCol = columns.getOrDefault("distinguishedname", columns.get("dn"));
            if (pwCol == null) {
                return new Result(List.of(), List.of(new RowProblem(name, skipped + 1,
                        "no recovery-password column (looked for RecoveryKey, Key, RecoveryPassword, msFVE-RecoveryPassword)")));
            }
            for (CSVRecord row : parser) {
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

    private static Result ldif(String text, String name) {
        List<KeyRecord> records = new ArrayList<>();
        List<RowProblem> problems = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (String l : text.split("\\r?\\n", -1)) {
            if (l.startsWith(" ") && !lines.isEmpty()) {
                lines.set(lines.size() - 1, lines.get(lines.size() - 1) + l.substring(1)); // folded line
            } else {
                lines.add(l);
            }
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        int entryLine = 1;
        for (int i = 0; i <= lines.size(); i++) {
            String l = i < lines.size() ? lines.get(i) : "";
            if (l.isBlank()) {
                if (entry.containsKey("password") || entry.containsKey("id")) {
                    add(entry, name, entryLine, records, problems);
                }
                entry = new LinkedHashMap<>();
                entryLine = i + 2;
                continue;
            }
            if (l.startsWith("#")) {
                continue;
            }
            int colon = l.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String attr = l.substring(0, colon).toLowerCase(Locale.ROOT);
            boolean base64 = l.startsWith("::", colon);
            String value = l.substring(colon + (base64 ? 2 : 1)).strip();
            switch (attr) {
                case "dn" -> entry.put("dn", base64 ? new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8) : value);
                case "msfve-recoveryguid" -> entry.put("id", base64 ? adGuid(value) : value);
                case "msfve-recoverypassword" -> entry.put("password", value);
                default -> { }
            }
        }
        return new Result(records, problems);
    }

    /** AD stores GUIDs as 16 bytes with the first three fields little-endian. */
    static String adGuid(String base64) {
        byte[] b = Base64.getDecoder().decode(base64);
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
        } catch (IOException e) {
            return new Result(List.of(), List.of(new RowProblem(name, 1, "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""))));
        }
        List<Object> items;
        if (root instanceof Map<?, ?> m && m.get("value") instanceof List<?> v) {
            items = (List<Object>) v; // Microsoft Graph: {"value": [...], "@odata.nextLink": ...}
        } else if (root instanceof List<?> l) {
            items = (List<Object>) l;
        } else {
            return new Result(List.of(), List.of(new RowProblem(name, 1, "expected a Graph response {\"value\": [...]} or a list of keys")));
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
