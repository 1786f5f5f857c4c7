package io.bootmedic.collector;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import javax.net.ssl.SSLSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 22, "Also fix": each item against a running collector on SQLite (those that touch SQL also run on PostgreSQL in the contracts). */
class CollectorAlsoFixTest {
    @TempDir
    Path tmp;
    TestCollector collector;

    @BeforeEach
    void start() throws Exception {
        collector = TestCollector.start(tmp.resolve("collector"), null, 60);
    }

    @AfterEach
    void stop() {
        collector.close();
    }

    String agent() {
        return collector.created.agentToken();
    }

    /** Sends {@code head} + {@code body} over a raw TLS socket, half-closes, and returns everything the collector answered. */
    String raw(String head, byte[] body, boolean halfClose) throws Exception {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress("127.0.0.1", collector.server.port()), 5000);
        plain.setSoTimeout(15_000);
        try (SSLSocket tls = (SSLSocket) TestCollector.trustAll().getSocketFactory().createSocket(plain, "127.0.0.1", collector.server.port(), true)) {
            tls.startHandshake();
            OutputStream out = tls.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            if (halfClose) {
                tls.shutdownOutput();
            }
            InputStream in = tls.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    answer.write(buf, 0, n);
                    if (answer.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n") && complete(answer.toString(StandardCharsets.ISO_8859_1))) {
                        break;
                    }
                }
            } catch (java.net.SocketException | javax.net.ssl.SSLException e) {
                // the collector closed the connection after its answer
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    /** Whether a raw answer holds its whole body (by Content-Length). */
    private static boolean complete(String answer) {
        int end = answer.indexOf("\r\n\r\n");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(answer.substring(0, end));
        return m.find() && answer.length() - end - 4 >= Integer.parseInt(m.group(1));
    }

    long storedReports() throws Exception {
        try (Connection c = collector.db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM reports")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * A spreadsheet's reading of CSV text with separator {@code sep}, as lenient as LibreOffice's and
     * Excel's: a cell that starts with a quote is quoted ("" is a quote inside it), a quote that does
     * not double ends the quoted part and what follows up to the separator is kept as it is; a line
     * break outside quotes ends the row.
     */
    static List<String> spreadsheetCells(String text, char sep) {
        List<String> cells = new java.util.ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        boolean start = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (start && c == '"') {
                quoted = true;
                start = false;
            } else if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == sep || c == '\r' || c == '\n') {
                cells.add(cell.toString());
                cell.setLength(0);
                start = true;
            } else {
                cell.append(c);
                start = false;
            }
        }
        cells.add(cell.toString());
        return cells;
    }

    /** Item 5: the formula guard looked at the cell as written, so a quote between a separator and '=' (X;"=cmd…";) hid the formula. */
    @Test
    void theCsvExportHasNoFormulaCellForASpreadsheetReadingItWithCommasOrSemicolons() throws Exception {
        List<String> hostile = List.of("X;\"=cmd|' /C calc'!A0\";", "\"=1+1\"", "X;\"\"=2+2", "X; \"=3+3\"", "X;\"\"\"=4+4", "\" =5+5",
                "X,\"=6+6\"", "X\n\"=7+7\"", "X|\"@SUM(1)\"", "X\t\"+8\"", "X;\"-9\";Y", " =10", "X;", "\"X;\"", "\";=11");
        int i = 0;
        for (String name : hostile) {
            java.util.Map<String, Object> r = Reports.report(name, "SN;\"=12+" + i, "fixed", "2024-07-19T06:00:00Z");
            TestCollector.Response posted = collector.request("POST", "/api/v1/reports", agent(), Reports.bytes(r));
            assertEquals(201, posted.status(), name + ": " + posted.body());
            i++;
        }
        String cookie = login();
        String csv = dashboard("/machines.csv", cookie);
        List<String> formulas = new java.util.ArrayList<>();
        for (char sep : new char[]{',', ';'}) {
            for (String cell : spreadsheetCells(csv, sep)) {
                String shown = cell.stripLeading();
                if (!shown.isEmpty() && "=+-@".indexOf(shown.charAt(0)) >= 0) {
                    formulas.add(sep + " [" + cell + "]");
                }
            }
        }
        assertEquals(List.of(), formulas, "cells a spreadsheet splitting at ',' or ';' reads as formulas, in\n" + csv);
        // read with commas, the names are all there, each behind one defusing quote at most where a formula could start
        List<String> cells = spreadsheetCells(csv, ',');
        assertTrue(cells.contains("X;'\"=cmd|' /C calc'!A0\";"), cells.toString());
        assertTrue(cells.contains("X;"), "nothing to defuse, nothing changed: " + cells);
    }

    String login() throws Exception {
        TestCollector.Response r = collector.request("POST", "/login", null, ("token=" + collector.created.adminToken()).getBytes(StandardCharsets.UTF_8));
        assertEquals(303, r.status(), r.body());
        String setCookie = r.header("Set-Cookie");
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    String dashboard(String path, String cookie) throws Exception {
        javax.net.ssl.HttpsURLConnection c = (javax.net.ssl.HttpsURLConnection) new java.net.URL(collector.url + path).openConnection();
        c.setSSLSocketFactory(TestCollector.trustAll().getSocketFactory());
        c.setHostnameVerifier((h, s) -> true);
        c.setRequestProperty("Cookie", cookie);
        assertEquals(200, c.getResponseCode(), path);
        return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    static String mode(Path p) throws Exception {
        return java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    /** Item 9: tokens.json (token hashes, roles, labels) was created 0644; it is created 0600, never wider for a moment, like every file of the folder. */
    @Test
    void tokensJsonIsCreatedOwnerOnlyAndStaysSoThroughEveryRewrite() throws Exception {
        Path dir = collector.dir.dir();
        Path tokens = collector.dir.tokens();
        assertEquals("rw-------", mode(tokens), "as init made it");
        // a leftover temp file readable by all is not reused for the next rewrite
        Path leftover = tokens.resolveSibling("tokens.json.tmp");
        java.nio.file.Files.writeString(leftover, "{}");
        java.nio.file.Files.setPosixFilePermissions(leftover, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        io.bootmedic.testutil.Cli add = io.bootmedic.testutil.Cli.run("collector", "token", "add", "--dir", dir.toString(), "--role", "agent", "--label", "site B");
        assertEquals(0, add.exit, add.toString());
        assertEquals("rw-------", mode(tokens), "after token add");
        String id = Tokens.entries(tokens).stream().filter(e -> "site B".equals(e.label())).findFirst().orElseThrow().id();
        assertEquals(0, io.bootmedic.testutil.Cli.run("collector", "token", "revoke", id, "--dir", dir.toString()).exit);
        assertEquals("rw-------", mode(tokens), "after token revoke");
        assertTrue(java.nio.file.Files.notExists(leftover), "the temp file became tokens.json");
        // every file init made is owner-only, except the certificate, which is public
        try (var files = java.nio.file.Files.list(dir)) {
            for (Path f : files.filter(java.nio.file.Files::isRegularFile).toList()) {
                assertEquals(f.getFileName().toString().equals("server.crt") ? "rw-r--r--" : "rw-------", mode(f), f.getFileName().toString());
            }
        }
    }

    /** Item 9, upgrades: a tokens.json an older init left 0644 is narrowed to 0600 by 'serve', like the database and the access log. */
    @Test
    void serveNarrowsAWorldReadableTokensJsonLeftByAnOlderInit() throws Exception {
        Path old = tmp.resolve("old");
        CollectorInit.run(new CollectorDir(old), java.net.URI.create("https://127.0.0.1:8443"), java.util.Set.of());
        java.nio.file.Files.setPosixFilePermissions(old.resolve("tokens.json"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Process serve = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                "io.bootmedic.cli.Main", "collector", "serve", "--dir", old.toString(), "--port", "0", "--bind", "127.0.0.1").redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            for (String line; (line = out.readLine()) != null && !line.contains("listening on"); ) {
                seen.append(line).append('\n');
            }
            assertTrue(serve.isAlive(), "serve started: " + seen);
            assertEquals("rw-------", mode(old.resolve("tokens.json")));
        } finally {
            serve.destroy();
            serve.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    long storedReadiness() throws Exception {
        try (Connection c = collector.db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM readiness")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Item 4: one agent token wrote 910 fake machines a second through readiness; it is limited per token like key releases. */
    @Test
    void readinessIsRateLimitedPerTokenAndWhatTheLimitRefusesIsNotStored() throws Exception {
        collector.close();
        collector = TestCollector.start(tmp.resolve("limited"), null, 60, s -> s.withReadinessRate(5));
        int stored = 0;
        int limited = 0;
        String retryAfter = null;
        for (int i = 0; i < 40; i++) {
            TestCollector.Response r = collector.request("POST", "/api/v1/readiness", agent(), ReadinessApiContract.body("FAKE-" + i, "1.0", "[]",
                    "enabled", "true", "1000", java.time.Instant.now().toString()).getBytes(StandardCharsets.UTF_8));
            if (r.status() == 201) {
                stored++;
            } else {
                assertEquals(429, r.status(), r.body());
                assertTrue(r.body().contains("too many readiness reports for this token") && r.body().contains("--readiness-rate"), r.body());
                limited++;
                retryAfter = r.header("Retry-After");
            }
        }
        assertEquals(5, stored, "the burst allowance, then the limit");
        assertEquals(35, limited);
        assertTrue(retryAfter != null && Integer.parseInt(retryAfter) >= 1, "with Retry-After");
        assertEquals(5, storedReadiness(), "a refused report writes nothing");

        // another token has its own allowance
        String site = Tokens.add(collector.dir.tokens(), Tokens.Role.AGENT, "site B");
        assertEquals(201, CollectorApiContract.untilStatus(() -> collector.request("POST", "/api/v1/readiness", site, ReadinessApiContract.body("SITE-B",
                "1.0", "[]", "enabled", "true", "1000", java.time.Instant.now().toString()).getBytes(StandardCharsets.UTF_8)).status(), 201));
        // and 'serve' refuses a limit that would refuse everything
        io.bootmedic.testutil.Cli zero = io.bootmedic.testutil.Cli.run("collector", "serve", "--dir", collector.dir.dir().toString(), "--readiness-rate", "0");
        assertEquals(2, zero.exit, zero.toString());
        assertTrue(zero.err.contains("--readiness-rate must be at least 1"), zero.err);
    }

    @Test
    void aMalformedChunkedUploadIsRefusedWith400AndNothingIsStored() throws Exception {
        String head = "POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + agent()
                + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        byte[] report = Reports.bytes(Reports.report("PC-CHUNK", "SNC", "fixed", "2024-07-19T06:00:00Z"));
        String hex = Integer.toHexString(report.length);
        String json = new String(report, StandardCharsets.UTF_8);
        record Case(String what, String body, boolean halfClose) {
        }
        for (Case c : List.of(
                new Case("a chunk size that is not hex", "zz\r\n" + json + "\r\n0\r\n\r\n", false),
                new Case("a chunk size with garbage after it", hex + "q\r\n" + json + "\r\n0\r\n\r\n", false),
                new Case("a chunk longer than declared", Integer.toHexString(report.length - 10) + "\r\n" + json + "\r\n0\r\n\r\n", false),
                new Case("a chunk cut short by the end of the stream", Integer.toHexString(report.length + 100) + "\r\n" + json, true),
                new Case("no last chunk before the end of the stream", hex + "\r\n" + json + "\r\n", true),
                new Case("a chunk size beyond any length", "ffffffffffffffffffff\r\n" + json + "\r\n0\r\n\r\n", false))) {
            String answer = raw(head, c.body().getBytes(StandardCharsets.UTF_8), c.halfClose());
            assertTrue(answer.startsWith("HTTP/1.1 400 "), c.what() + ": " + answer);
            assertTrue(answer.contains("malformed or ended early") && answer.contains("nothing was stored"), c.what() + ": " + answer);
        }
        assertEquals(0, storedReports(), "nothing of a broken upload is stored");
        // the same report, chunked correctly, is stored: the refusal is about the encoding, not the report
        String good = hex + "\r\n" + json + "\r\n0\r\n\r\n";
        assertTrue(raw(head, good.getBytes(StandardCharsets.UTF_8), false).startsWith("HTTP/1.1 201 "));
        assertEquals(1, storedReports());
    }
}
