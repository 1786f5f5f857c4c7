package io.bootmedic.collector.http;

import io.bootmedic.collector.Tokens;
import io.bootmedic.collector.store.PlaybookScope;
import io.bootmedic.collector.store.PlaybookStore;
import io.bootmedic.format.Printable;
import io.bootmedic.playbook.Playbook;
import io.bootmedic.playbook.PlaybookException;
import io.bootmedic.playbook.PlaybookLoader;
import io.bootmedic.playbook.PublishedPlaybook;
import io.bootmedic.playbook.VerifyingKey;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code /api/v1/playbooks…} (docs/design.md §8): publish (verified against the collector's own
 * trusted keys), list, retire (admin token); the active ones for one machine (agent token).
 */
final class PlaybookRoutes {
    static final int MAX_QUERY_CHARS = 8192;
    static final int MAX_TAGS = 32;
    private final PlaybookStore store;
    private final Path trustedKeys;
    private final Metrics metrics;

    /** @param trustedKeys the collector folder's trusted-keys/ (*.pub), read at each publish; null: publishing is refused */
    PlaybookRoutes(PlaybookStore store, Path trustedKeys, Metrics metrics) {
        this.store = store;
        this.trustedKeys = trustedKeys;
        this.metrics = metrics;
    }

    static boolean handles(String path) {
        return path.equals("/api/v1/playbooks") || path.startsWith("/api/v1/playbooks/");
    }

    void handle(Exchange ex, String path, Tokens.Principal who) throws Exception {
        String method = ex.method();
        if (path.equals("/api/v1/playbooks/active")) {
            if (who.role() != Tokens.Role.AGENT) {
                throw new HttpIo.HttpError(403, "this route needs an agent token (agent.conf)");
            }
            ApiRoutes.expect(method, "GET");
            active(ex, who);
            return;
        }
        if (who.role() != Tokens.Role.ADMIN) {
            throw new HttpIo.HttpError(403, "this route needs the admin token; agents may only fetch /api/v1/playbooks/active");
        }
        if (path.equals("/api/v1/playbooks")) {
            if (method.equals("POST")) {
                publish(ex, who);
            } else {
                ApiRoutes.expect(method, "GET");
                list(ex);
            }
        } else if (path.startsWith("/api/v1/playbooks/") && path.endsWith("/retire")) {
            ApiRoutes.expect(method, "POST");
            retire(ex, path.substring("/api/v1/playbooks/".length(), path.length() - "/retire".length()), who);
        } else {
            throw new HttpIo.HttpError(404, "no such API route: " + path);
        }
    }

    private void publish(Exchange ex, Tokens.Principal who) throws Exception {
        PublishRequest req;
        try {
            req = PublishRequest.parse(HttpIo.readBody(ex, PublishRequest.MAX_BYTES));
        } catch (PublishRequest.InvalidPublishException e) {
            throw refused(e.getMessage());
        }
        byte[] playbook = req.playbook();
        byte[] signature = req.signature();
        PlaybookScope scope = req.scope();
        if (trustedKeys == null) {
            throw refused("this collector has no trusted-keys folder, so it cannot verify playbooks");
        }
        List<VerifyingKey> keys;
        try {
            keys = PlaybookLoader.trustedKeys(List.of(), List.of(trustedKeys));
        } catch (PlaybookException e) {
            System.err.println("collector: " + Printable.of(e.getMessage()));
            throw new HttpIo.HttpError(500, "the collector cannot read its trusted keys; its operator must fix " + trustedKeys.getFileName() + "/");
        }
        if (keys.isEmpty()) {
            throw refused("the collector trusts no signing key yet: copy the publisher's .pub file (from 'bootmedic playbook keygen') into "
                    + "the collector folder's trusted-keys/ and publish again");
        }
        Playbook verified;
        try {
            verified = PublishedPlaybook.verify(null, playbook, signature, keys);
        } catch (PlaybookException e) {
            throw refused(e.getMessage().replace("(pass its public key with --trusted-key FILE)", "(copy its .pub file into the collector folder's trusted-keys/)"));
        }
        long now = System.currentTimeMillis();
        String id = PublishedPlaybook.publicationId(playbook);
        PlaybookStore.PublishResult result = store.publish(new PlaybookStore.Publication(id, verified.id(), verified.version(), verified.title(),
                verified.signedBy(), scope, playbook, signature, now, null), who.actor(), HttpIo.remote(ex));
        if (result == PlaybookStore.PublishResult.RETIRED_BEFORE) {
            throw new HttpIo.HttpError(409, "publication " + id + " was retired; a retired playbook is not published again: "
                    + "give it a new \"version\", sign it and publish that");
        }
        if (result == PlaybookStore.PublishResult.TOO_MANY_ACTIVE) {
            throw refused("there are already " + PlaybookStore.MAX_ACTIVE + " active playbooks; retire some first");
        }
        metrics.count("bootmedic_playbooks_published_total", "result", result.name().toLowerCase(java.util.Locale.ROOT));
        HttpIo.json(ex, result == PlaybookStore.PublishResult.CREATED ? 201 : 200, json(store.get(id).orElseThrow(), null));
    }

    private static HttpIo.HttpError refused(String why) {
        return new HttpIo.HttpError(400, "playbook refused: " + why);
    }

    /** Publications a page of the list holds at most (the default of ?limit=, and its ceiling). */
    static final int PAGE_LIMIT = 50;
    /**
     * A page holds no more publications than fit in this many bytes, but always one: a publication's
     * machines scope alone may be 3 MiB (the publish request's cap), so any page stays below the
     * 4 MiB clients read.
     */
    static final int PAGE_BYTES = 2 << 20;
    private static final java.util.regex.Pattern CURSOR = java.util.regex.Pattern.compile("(\\d{1,18})-([0-9a-f]{16})");

    /**
     * {@code GET /api/v1/playbooks?limit=N&after=CURSOR}: newest first, one page; {@code next} is the
     * cursor of the following page, null after the last. Retired publications stay listed, so without
     * pages the answer grows without bound (13.4 MB was seen; clients read 4 MiB).
     */
    private void list(Exchange ex) throws Exception {
        Map<String, String> q = HttpIo.params(ex.rawQuery());
        int limit = HttpIo.intParam(q, "limit", PAGE_LIMIT, 1, PAGE_LIMIT);
        PlaybookStore.Cursor after = null;
        String cursor = q.get("after");
        if (cursor != null && !cursor.isEmpty()) {
            java.util.regex.Matcher m = CURSOR.matcher(cursor);
            if (!m.matches()) {
                throw new HttpIo.HttpError(400, "after must be the 'next' cursor of the previous page (such as 1733550000000-3f2a9c0d41b7e655)");
            }
            after = new PlaybookStore.Cursor(Long.parseLong(m.group(1)), m.group(2));
        }
        Map<String, PlaybookStore.Counts> counts = store.counts();
        List<PlaybookStore.Publication> found = store.page(after, limit + 1);
        List<Map<String, Object>> rows = new ArrayList<>();
        long bytes = 0;
        String next = null;
        for (int i = 0; i < found.size(); i++) {
            Map<String, Object> row = i == limit ? null : json(found.get(i), counts.getOrDefault(found.get(i).publication(), PlaybookStore.Counts.NONE));
            long size = row == null ? 0 : io.bootmedic.util.Json.write(row).length; // as the answer writes it, indented
            if (row == null || (!rows.isEmpty() && bytes + size > PAGE_BYTES)) {
                PlaybookStore.Publication last = found.get(i - 1);
                next = last.publishedAt() + "-" + last.publication();
                break;
            }
            bytes += size;
            rows.add(row);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("playbooks", rows);
        out.put("next", next);
        HttpIo.json(ex, 200, out);
    }

    private void retire(Exchange ex, String publication, Tokens.Principal who) throws Exception {
        if (!PublishedPlaybook.isPublicationId(publication)) {
            throw new HttpIo.HttpError(404, "no such publication (an id is 16 hex digits, as 'collector playbook list' shows)");
        }
        Optional<PlaybookStore.Publication> p = store.retire(publication, System.currentTimeMillis(), who.actor(), HttpIo.remote(ex));
        if (p.isEmpty()) {
            throw new HttpIo.HttpError(404, "no such publication: " + publication);
        }
        HttpIo.json(ex, 200, json(p.get(), null));
    }

    private void active(Exchange ex, Tokens.Principal caller) throws Exception {
        String raw = ex.rawQuery() == null ? "" : ex.rawQuery();
        if (raw.length() > MAX_QUERY_CHARS) {
            throw new HttpIo.HttpError(400, "the query is longer than " + MAX_QUERY_CHARS + " characters");
        }
        Map<String, String> single = new LinkedHashMap<>();
        Map<String, String> tags = new TreeMap<>();
        for (String pair : raw.isEmpty() ? new String[0] : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = HttpIo.decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : HttpIo.decode(pair.substring(eq + 1));
            if (k.equals("tag")) {
                int t = v.indexOf('=');
                if (t <= 0 || tags.size() >= MAX_TAGS) {
                    throw new HttpIo.HttpError(400, "tag must be KEY=VALUE, at most " + MAX_TAGS + " of them");
                }
                tags.putIfAbsent(v.substring(0, t), v.substring(t + 1));
            } else if (v.length() > 256) {
                throw new HttpIo.HttpError(400, k + " is longer than 256 characters");
            } else {
                single.putIfAbsent(k, v);
            }
        }
        Tokens.Machine m = caller.machine();
        // a machine's own token asks as the machine it was enrolled for, whatever the query says
        PlaybookScope.Asker who = m != null ? new PlaybookScope.Asker(m.computerName(), m.biosSerial(), m.vmId(), m.tags())
                : new PlaybookScope.Asker(single.get("computerName"), single.get("biosSerial"), single.get("vmId"), tags);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (PlaybookStore.Served p : store.servedTo(who, io.bootmedic.collector.client.ServedPlaybook.MAX_PLAYBOOKS)) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("publication", p.publication());
            r.put("playbook", p.playbook());
            r.put("signature", p.signature());
            rows.add(r);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("playbooks", rows);
        HttpIo.json(ex, 200, out);
    }

    static Map<String, Object> json(PlaybookStore.Publication p, PlaybookStore.Counts counts) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("publication", p.publication());
        j.put("id", p.playbookId());
        j.put("version", p.version());
        j.put("title", p.title());
        j.put("signedBy", p.signedBy());
        j.put("scope", p.scope().toJson());
        j.put("publishedAt", Instant.ofEpochMilli(p.publishedAt()).toString());
        j.put("retiredAt", p.retiredAt() == null ? null : Instant.ofEpochMilli(p.retiredAt()).toString());
        if (counts != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("fixed", counts.fixed());
            c.put("failing", counts.failing());
            c.put("waitingForKey", counts.waitingForKey());
            j.put("machines", c);
        }
        return j;
    }
}
