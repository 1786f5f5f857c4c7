package io.bootmedic.collector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which database a collector folder serves, recorded in {@code DIR/database.conf} by
 * {@code collector init --db} and by every {@code collector serve}. {@code token revoke} writes the
 * revocation there, so it reaches every collector that reads that database, whatever the command
 * line of the revoke says or omits. No password is ever recorded: a {@code password=} parameter of
 * the URL is left out, and the password comes as for {@code serve} (BOOTMEDIC_DB_PASSWORD, or a
 * password file, whose path may be recorded).
 *
 * @param url          a {@code jdbc:postgresql:} or {@code jdbc:sqlite:} URL, or {@link #SQLITE}: the folder's own collector.db
 * @param user         the PostgreSQL user, or null
 * @param passwordFile a file holding the PostgreSQL password, or null
 */
public record ServedDatabase(String url, String user, Path passwordFile) {
    /** The default: SQLite in the folder's collector.db. */
    public static final String SQLITE = "sqlite";
    /** The file in the collector folder. */
    public static final String FILE = "database.conf";

    public ServedDatabase {
        if (!url.equals(SQLITE) && !url.startsWith("jdbc:postgresql:") && !url.startsWith("jdbc:sqlite:")) {
            throw new IllegalArgumentException("unsupported database URL (use jdbc:postgresql://host/db or jdbc:sqlite:FILE): " + withoutPassword(url));
        }
        url = withoutPassword(url);
    }

    /** What the options {@code --db}, {@code --db-user}, {@code --db-password-file} name; {@code jdbcUrl} null: the folder's SQLite. */
    public static ServedDatabase of(String jdbcUrl, String user, Path passwordFile) {
        return new ServedDatabase(jdbcUrl == null ? SQLITE : jdbcUrl, user, passwordFile == null ? null : passwordFile.toAbsolutePath().normalize());
    }

    public static Path file(CollectorDir dir) {
        return dir.dir().resolve(FILE);
    }

    /** What the folder records, or empty when it records nothing (a folder older than this file, never served since). */
    public static Optional<ServedDatabase> read(CollectorDir dir) throws IOException {
        Path file = file(dir);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int eq = l.indexOf('=');
            String key = eq < 0 ? l : l.substring(0, eq).strip();
            if (eq < 0 || !List.of("database", "database.user", "database.passwordFile").contains(key) || settings.containsKey(key)) {
                throw new IOException(file + " is damaged (line '" + l + "'); it should hold database=, database.user= and database.passwordFile= lines. "
                        + "Write it again with: bootmedic collector serve --dir " + dir.dir() + " --db URL");
            }
            settings.put(key, l.substring(eq + 1).strip());
        }
        String url = settings.get("database");
        if (url == null || url.isEmpty()) {
            throw new IOException(file + " names no database (database=…). Write it again with: bootmedic collector serve --dir " + dir.dir() + " --db URL");
        }
        try {
            String pf = settings.get("database.passwordFile");
            return Optional.of(new ServedDatabase(url, emptyToNull(settings.get("database.user")), pf == null || pf.isEmpty() ? null : Path.of(pf)));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Records this as the folder's database (owner-only, replaced whole); returns what was recorded before, if it differs. */
    public Optional<ServedDatabase> record(CollectorDir dir) throws IOException {
        Optional<ServedDatabase> before;
        try {
            before = read(dir);
        } catch (IOException damaged) {
            before = Optional.empty(); // replaced by what this collector really serves
        }
        if (before.isPresent() && before.get().equals(this)) {
            return Optional.empty();
        }
        StringBuilder text = new StringBuilder("# The database this collector folder serves, written by 'collector init --db' and 'collector serve'.\n"
                + "# 'collector token revoke' writes revocations there. No password here: BOOTMEDIC_DB_PASSWORD or the password file.\n");
        text.append("database=").append(url).append('\n');
        if (user != null) {
            text.append("database.user=").append(user).append('\n');
        }
        if (passwordFile != null) {
            text.append("database.passwordFile=").append(passwordFile).append('\n');
        }
        CollectorDir.writeSecret(file(dir), text.toString().getBytes(StandardCharsets.UTF_8));
        return before.filter(b -> !b.sameDatabase(this, dir));
    }

    public boolean isFolderSqlite() {
        return url.equals(SQLITE);
    }

    /** Whether both name the same database (users and password files aside). */
    public boolean sameDatabase(ServedDatabase other, CollectorDir dir) {
        return target(dir).equals(other.target(dir));
    }

    private String target(CollectorDir dir) {
        if (isFolderSqlite()) {
            return "sqlite:" + dir.dir().resolve("collector.db").toAbsolutePath().normalize();
        }
        if (url.startsWith("jdbc:sqlite:")) {
            String path = url.substring("jdbc:sqlite:".length());
            int q = path.indexOf('?');
            return "sqlite:" + Path.of(q < 0 ? path : path.substring(0, q)).toAbsolutePath().normalize();
        }
        return url;
    }

    /** For people: "SQLite DIR/collector.db" or "PostgreSQL jdbc:postgresql://…". */
    public String describe(CollectorDir dir) {
        if (isFolderSqlite()) {
            return "SQLite " + dir.dir().resolve("collector.db").toAbsolutePath().normalize();
        }
        return (url.startsWith("jdbc:sqlite:") ? "SQLite " : "PostgreSQL ") + url;
    }

    /** The URL without any {@code password=} parameter. */
    static String withoutPassword(String url) {
        int q = url.indexOf('?');
        if (q < 0) {
            return url;
        }
        List<String> kept = new ArrayList<>();
        for (String p : url.substring(q + 1).split("&", -1)) {
            String key = p.contains("=") ? p.substring(0, p.indexOf('=')) : p;
            if (!key.toLowerCase(Locale.ROOT).equals("password") && !p.isEmpty()) {
                kept.add(p);
            }
        }
        return url.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    }

    @Override
    public String toString() {
        return "ServedDatabase[" + url + "]";
    }
}
