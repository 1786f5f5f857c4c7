package io.bootmedic.cli;

import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.collector.client.CollectorException;
import io.bootmedic.format.Printable;
import io.bootmedic.playbook.PlaybookLoader;
import io.bootmedic.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code collector playbook publish|list|retire}: the admin's side of playbooks served by the collector (docs/collector.md). */
@Command(name = "playbook", description = "Publish signed playbooks through the collector; agents fetch them and verify each signature themselves.",
        subcommands = {CollectorPlaybookCommand.Publish.class, CollectorPlaybookCommand.ListPlaybooks.class, CollectorPlaybookCommand.Retire.class})
final class CollectorPlaybookCommand {
    private CollectorPlaybookCommand() {
    }

    /** Where the collector is and the admin token, which comes only from a file: a token on a command line ends up in shell history. */
    static class Admin {
        @Option(names = "--config", required = true, paramLabel = "FILE", description = "agent.conf (for the collector's URL and certificate pin).")
        Path config;

        @Option(names = "--admin-token-file", required = true, paramLabel = "FILE", description = "A file holding the admin token (admin.token from 'collector init').")
        Path adminTokenFile;

        CollectorClient client() throws java.io.IOException {
            String token = io.bootmedic.format.TextFiles.readUtf8(adminTokenFile, "--admin-token-file", 64 * 1024).strip();
            if (token.isEmpty()) {
                throw new UsageError("--admin-token-file " + adminTokenFile + " is empty; it should hold the admin token from 'collector init'");
            }
            return new CollectorClient(CollectorLink.agentConfig(config, null, null).withToken(token), 60_000);
        }
    }

    /**
     * A value of the collector's answer fit for a terminal: a playbook id (its parser does not limit
     * its characters), a title, a scope may hold escape codes, bidi overrides, line breaks.
     */
    static String shown(Object value) {
        return value == null ? "" : Printable.of(value instanceof String s ? s : Json.line(value).strip());
    }

    /** A refusal (400, 404, 409) is the admin's input: exit 2 with the collector's sentence; anything else exit 1. */
    static int failed(PrintWriter err, CollectorException e) {
        err.println("bootmedic: " + Printable.of(e.getMessage()));
        int s = e.status();
        return s == 400 || s == 404 || s == 409 ? ExitCodes.USAGE : ExitCodes.NEEDS_WORK;
    }

    @Command(name = "publish", description = {"Upload FILE.json with its signature FILE.json.sig. The collector verifies it against the keys in its",
            "trusted-keys/ folder and refuses what it cannot verify. Publishing the same file again replaces its scope."})
    static class Publish implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        Admin admin = new Admin();
        @Parameters(paramLabel = "FILE", description = "The playbook (JSON); FILE.sig must be beside it.")
        Path file;
        @Option(names = "--scope", paramLabel = "SCOPE", defaultValue = "all",
                description = "all (default), tag=KEY=VALUE (machines whose agent.conf has agent.tags with it), or machines=FILE (one computer name, BIOS serial or VM id a line).")
        String scope;

        @Override
        public Integer call() throws Exception {
            byte[] playbook = PlaybookLoader.read(file, "the playbook", PlaybookLoader.MAX_PLAYBOOK_BYTES);
            Path sigFile = file.resolveSibling(file.getFileName() + ".sig");
            if (!java.nio.file.Files.exists(sigFile)) {
                throw new UsageError("playbook " + file + " is not signed (no " + sigFile.getFileName() + " beside it); sign it with "
                        + "'bootmedic playbook sign --key KEY " + file + "' first. The collector publishes only signed playbooks.");
            }
            byte[] signature = PlaybookLoader.read(sigFile, "the signature", PlaybookLoader.MAX_SIGNATURE_BYTES);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("playbook", Base64.getEncoder().encodeToString(playbook));
            body.put("signature", Base64.getEncoder().encodeToString(signature));
            body.put("scope", scope(scope));
            PrintWriter out = spec.commandLine().getOut();
            try {
                Map<String, Object> a = admin.client().playbookAdmin("POST", "/api/v1/playbooks", Json.write(body), 200, 201);
                out.println((((Number) a.get("_status")).intValue() == 201 ? "Published " : "Already published; scope replaced: ") + shown(a.get("id"))
                        + " version " + shown(a.get("version")) + " as publication " + shown(a.get("publication")) + " (signed by " + shown(a.get("signedBy"))
                        + ", scope " + shown(a.get("scope")) + ").");
                out.println("Agents with --collector-playbooks (and every WinPE run with agent.conf) apply it after verifying its signature. "
                        + "Stop it with: bootmedic collector playbook retire " + shown(a.get("publication")));
                return ExitCodes.CLEAN;
            } catch (CollectorException e) {
                return failed(spec.commandLine().getErr(), e);
            }
        }

        static Map<String, Object> scope(String text) throws java.io.IOException {
            Map<String, Object> s = new LinkedHashMap<>();
            if (text.equals("all")) {
                s.put("kind", "all");
            } else if (text.startsWith("tag=") && text.indexOf('=', 4) > 4) {
                int eq = text.indexOf('=', 4);
                s.put("kind", "tag");
                s.put("key", text.substring(4, eq));
                s.put("value", text.substring(eq + 1));
            } else if (text.startsWith("machines=") && text.length() > 9) {
                Path f = Path.of(text.substring(9));
                String list = io.bootmedic.format.TextFiles.readUtf8(f, "--scope machines=", 4L << 20);
                List<String> names = new ArrayList<>();
                for (String line : list.lines().toList()) {
                    if (!line.isBlank() && !line.strip().startsWith("#")) {
                        names.add(line.strip());
                    }
                }
                if (names.isEmpty()) {
                    throw new UsageError("--scope machines=" + f + ": the file names no machine (one computer name, BIOS serial or VM id a line)");
                }
                s.put("kind", "machines");
                s.put("machines", names);
            } else {
                throw new UsageError("--scope must be all, tag=KEY=VALUE or machines=FILE (found '" + text + "')");
            }
            return s;
        }
    }

    @Command(name = "list", description = "Published playbooks, with the machines each fixed, still failing and waiting for a key.")
    static class ListPlaybooks implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        Admin admin = new Admin();
        @Option(names = "--json", description = "Print the collector's answer (JSON).")
        boolean json;

        /** Pages followed at most: 50 publications a page, far more than any collector holds; a collector that never ends its list is stopped. */
        static final int MAX_PAGES = 10_000;

        /**
         * Follows the collector's pages ({@code next} cursors): the list keeps retired publications and
         * machine scopes, so one answer of the whole list could exceed what the client reads (4 MiB).
         */
        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            CollectorClient client = admin.client();
            List<Object> all = new ArrayList<>();
            String cursor = null;
            for (int page = 0; ; page++) {
                if (page == MAX_PAGES) {
                    err.println("bootmedic: the collector's playbook list did not end after " + MAX_PAGES + " pages; stopped. Check the collector's version.");
                    return ExitCodes.NEEDS_WORK;
                }
                Map<String, Object> a;
                try {
                    a = client.playbookAdmin("GET", "/api/v1/playbooks?limit=50" + (cursor == null ? ""
                            : "&after=" + java.net.URLEncoder.encode(cursor, StandardCharsets.UTF_8)), null, 200);
                } catch (CollectorException e) {
                    return failed(err, e);
                }
                List<Object> rows = Json.list(a, "playbooks") == null ? List.of() : Json.list(a, "playbooks");
                if (json) {
                    all.addAll(rows);
                } else {
                    if (page == 0) {
                        out.printf("%-16s %-32s %-8s %-8s %-6s %-7s %-7s %s%n", "PUBLICATION", "ID", "VERSION", "STATE", "FIXED", "FAILING", "KEY", "SCOPE");
                    }
                    for (Object o : rows) {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> p = (Map<String, Object>) o;
                        Map<String, Object> m = Json.object(p, "machines");
                        out.printf("%-16s %-32s %-8s %-8s %-6s %-7s %-7s %s%n", shown(p.get("publication")), shown(p.get("id")), shown(p.get("version")),
                                p.get("retiredAt") == null ? "active" : "retired", m == null ? "" : shown(m.get("fixed")), m == null ? "" : shown(m.get("failing")),
                                m == null ? "" : shown(m.get("waitingForKey")), scopeSummary(p.get("scope")));
                    }
                }
                Object next = a.get("next");
                if (!(next instanceof String n) || n.isEmpty()) {
                    break; // the last page (or a collector that does not page: its one answer was the whole list)
                }
                if (n.equals(cursor)) {
                    err.println("bootmedic: the collector sent the same page twice; stopped. Check the collector's version.");
                    return ExitCodes.NEEDS_WORK;
                }
                cursor = n;
            }
            if (json) {
                Map<String, Object> whole = new LinkedHashMap<>();
                whole.put("playbooks", all);
                out.write(new String(Json.write(whole), StandardCharsets.UTF_8));
                out.println();
            }
            return ExitCodes.CLEAN;
        }

        /** A scope for the table: a machines scope by its count (up to 10,000 names: --json has them), others as they are. */
        static String scopeSummary(Object scope) {
            if (scope instanceof Map<?, ?> s && "machines".equals(s.get("kind")) && s.get("machines") instanceof List<?> names) {
                return "machines (" + names.size() + ")";
            }
            return shown(scope);
        }
    }

    @Command(name = "retire", description = "Stop serving a publication: agents no longer get it. It stays listed with its counts.")
    static class Retire implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @picocli.CommandLine.Mixin
        Admin admin = new Admin();
        @Parameters(paramLabel = "ID", description = "The publication id (16 hex digits, from 'collector playbook list').")
        String publication;

        @Override
        public Integer call() throws Exception {
            if (!io.bootmedic.playbook.PublishedPlaybook.isPublicationId(publication)) {
                throw new UsageError("a publication id is 16 hex digits, as 'bootmedic collector playbook list' shows (found '" + publication + "')");
            }
            try {
                Map<String, Object> a = admin.client().playbookAdmin("POST", "/api/v1/playbooks/" + publication + "/retire", new byte[0], 200);
                spec.commandLine().getOut().println("Retired " + shown(a.get("id")) + " version " + shown(a.get("version")) + " (publication " + publication
                        + ") at " + shown(a.get("retiredAt")) + "; agents no longer get it.");
                return ExitCodes.CLEAN;
            } catch (CollectorException e) {
                return failed(spec.commandLine().getErr(), e);
            }
        }
    }
}
