package io.bootmedic.collector.store;

import io.bootmedic.testutil.PostgresServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 22: the active publications are served from a cache with compiled scopes. It must answer
 * what the uncached scan answered, and a change made through one collector must be seen by another
 * on the same database at its next lookup.
 */
class ActivePublicationsTest {
    /** Names whose cases trip naive folds: sharp s, dotted and dotless i, Kelvin sign, final sigma, Deseret (outside the BMP). */
    private static final String[] PIECES = {"a", "A", "s", "S", "\u00df", "SS", "i", "I", "\u0130", "\u0131", "k", "K", "\u212a", "\u03c3", "\u03a3",
        "\u03c2", "\ud801\udc00", "\ud801\udc28", "\u01c5", "\u01c4", "\u01c6", "-", "1", "pc", "PC"};

    @TempDir
    Path tmp;

    private static String name(Random r) {
        StringBuilder b = new StringBuilder();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            b.append(PIECES[r.nextInt(PIECES.length)]);
        }
        return b.toString();
    }

    /** A name as an agent might send it: another case, spaces around it, or none at all. */
    private static String asked(Random r, List<String> known) {
        int pick = r.nextInt(10);
        if (pick == 0) {
            return null;
        }
        String s = pick < 5 && !known.isEmpty() ? known.get(r.nextInt(known.size())) : name(r);
        s = r.nextBoolean() ? s.toUpperCase(java.util.Locale.ROOT) : r.nextBoolean() ? s.toLowerCase(java.util.Locale.ROOT) : s;
        return r.nextInt(4) == 0 ? " " + s + "\t" : s;
    }

    private static PlaybookScope scope(Random r, List<String> known) {
        int kind = r.nextInt(5);
        if (kind == 0) {
            return PlaybookScope.ALL;
        }
        if (kind == 1) {
            return new PlaybookScope(PlaybookScope.Kind.TAG, "site", r.nextBoolean() ? "berlin" : "Berlin", List.of());
        }
        List<String> names = new ArrayList<>();
        for (int i = 1 + r.nextInt(40); i > 0; i--) {
            String n = name(r);
            names.add(n);
            known.add(n);
        }
        return new PlaybookScope(PlaybookScope.Kind.MACHINES, null, null, List.copyOf(names));
    }

    private static PlaybookScope.Asker asker(Random r, List<String> known) {
        Map<String, String> tags = new HashMap<>();
        if (r.nextBoolean()) {
            tags.put("site", r.nextBoolean() ? "berlin" : "BERLIN");
        }
        return new PlaybookScope.Asker(asked(r, known), asked(r, known), asked(r, known), tags);
    }

    @Test
    void aCompiledScopeAnswersExactlyWhatTheScanAnswers() {
        Random r = new Random(22);
        int matched = 0;
        for (int round = 0; round < 2000; round++) {
            List<String> known = new ArrayList<>();
            PlaybookScope s = scope(r, known);
            ScopeIndex index = ScopeIndex.of(s);
            for (int i = 0; i < 20; i++) {
                PlaybookScope.Asker who = asker(r, known);
                assertEquals(s.matches(who), index.includes(who), () -> s + " asked by " + who);
                matched += s.matches(who) ? 1 : 0;
            }
        }
        assertTrue(matched > 5000 && matched < 35000, "both answers were tried often: " + matched + " of 40000 matched");
    }

    @Test
    void theFoldAgreesWithEqualsIgnoreCaseOnEveryPairOfPieces() {
        List<String> all = new ArrayList<>(List.of(PIECES));
        for (char c = 0; c < 0x800; c++) {
            all.add(String.valueOf(c));
        }
        List<String> folded = all.stream().map(ScopeIndex::fold).toList();
        for (int i = 0; i < all.size(); i++) {
            for (int j = 0; j < all.size(); j++) {
                String a = all.get(i);
                String b = all.get(j);
                assertEquals(a.equalsIgnoreCase(b), folded.get(i).equals(folded.get(j)), () -> "'" + a + "' and '" + b + "'");
            }
        }
    }

    private static PlaybookStore.Publication publication(int n, PlaybookScope scope, long at) {
        byte[] body = ("{\"id\":\"p" + n + "\"}").getBytes(StandardCharsets.UTF_8);
        return new PlaybookStore.Publication(String.format("%016x", 0xabc000L + n), "p" + n, "1", "title " + n, "k1", scope, body,
                new byte[] {(byte) n, 1, 2}, at, null);
    }

    /** What the store answered before the cache: every active row, oldest first, scanned with {@link PlaybookScope#matches}. */
    private static List<String> uncached(PlaybookStore store, PlaybookScope.Asker who, int max) throws Exception {
        return store.all().stream().filter(p -> p.retiredAt() == null)
                .sorted(Comparator.comparingLong(PlaybookStore.Publication::publishedAt).thenComparing(PlaybookStore.Publication::publication))
                .filter(p -> p.scope().matches(who)).limit(max).map(PlaybookStore.Publication::publication).toList();
    }

    @Test
    void theStoreAnswersWhatTheUncachedScanAnswersThroughPublishesRescopesAndRetires() throws Exception {
        Random r = new Random(7);
        try (Database db = Database.sqliteIn(tmp)) {
            PlaybookStore store = new PlaybookStore(db);
            List<String> known = new ArrayList<>();
            List<String> live = new ArrayList<>();
            for (int step = 0; step < 60; step++) {
                int what = r.nextInt(4);
                if (what <= 1 || live.isEmpty()) {
                    PlaybookStore.Publication p = publication(step, scope(r, known), 1000 + r.nextInt(5)); // equal times: the id decides
                    assertEquals(PlaybookStore.PublishResult.CREATED, store.publish(p, "admin:t", "test"));
                    live.add(p.publication());
                } else if (what == 2) {
                    PlaybookStore.Publication old = store.get(live.get(r.nextInt(live.size()))).orElseThrow();
                    PlaybookStore.Publication rescoped = new PlaybookStore.Publication(old.publication(), old.playbookId(), old.version(), old.title(),
                            old.signedBy(), scope(r, known), old.body(), old.signature(), old.publishedAt(), null);
                    assertEquals(PlaybookStore.PublishResult.SCOPE_REPLACED, store.publish(rescoped, "admin:t", "test"));
                } else {
                    store.retire(live.remove(r.nextInt(live.size())), 2000 + step, "admin:t", "test");
                }
                for (int i = 0; i < 30; i++) {
                    PlaybookScope.Asker who = asker(r, known);
                    int max = 1 + r.nextInt(16);
                    List<String> want = uncached(store, who, max);
                    assertEquals(want, store.activeFor(who, max).stream().map(PlaybookStore.Publication::publication).toList(), who::toString);
                    List<PlaybookStore.Served> served = store.servedTo(who, max);
                    assertEquals(want, served.stream().map(PlaybookStore.Served::publication).toList());
                    for (PlaybookStore.Served s : served) {
                        PlaybookStore.Publication p = store.get(s.publication()).orElseThrow();
                        assertArrayEquals(p.body(), Base64.getDecoder().decode(s.playbook()));
                        assertArrayEquals(p.signature(), Base64.getDecoder().decode(s.signature()));
                    }
                    assertEquals(want.isEmpty() ? Optional.empty() : Optional.of(want.get(0)),
                            store.firstMatching(who).map(PlaybookStore.Publication::publication));
                }
            }
        }
    }

    @Test
    void twoCollectorsOnOneSqliteDatabaseSeeEachOthersChangesAtOnce() throws Exception {
        try (Database a = Database.sqliteIn(tmp); Database b = Database.sqliteIn(tmp)) {
            seenByTheOther(a, b);
        }
    }

    @Test
    void twoCollectorsOnOnePostgresDatabaseSeeEachOthersChangesAtOnce() throws Exception {
        String why = PostgresServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        String url = PostgresServer.newDatabase();
        try (Database a = Database.open(url, null, null); Database b = Database.open(url, null, null)) {
            seenByTheOther(a, b);
        }
    }

    private static final PlaybookScope.Asker PC1 = new PlaybookScope.Asker("pc-0001", null, null, Map.of());
    private static final PlaybookScope.Asker PC2 = new PlaybookScope.Asker(null, " SERIAL-2 ", null, Map.of("site", "berlin"));

    private static List<String> ids(PlaybookStore store, PlaybookScope.Asker who) throws Exception {
        return store.activeFor(who, 16).stream().map(PlaybookStore.Publication::publication).toList();
    }

    /** Each step is asked of the second store before and after the first one changes something: a cache never invalidated fails. */
    private static void seenByTheOther(Database da, Database db) throws Exception {
        PlaybookStore one = new PlaybookStore(da);
        PlaybookStore other = new PlaybookStore(db);
        assertEquals(List.of(), ids(other, PC1));
        assertEquals(Optional.empty(), other.firstMatching(PC1));

        List<String> names = new ArrayList<>();
        for (int i = 0; i < PlaybookScope.MAX_MACHINES; i++) {
            names.add(String.format("PC-%04d", i));
        }
        PlaybookScope machines = new PlaybookScope(PlaybookScope.Kind.MACHINES, null, null, List.copyOf(names));
        PlaybookStore.Publication first = publication(1, machines, 1000);
        assertEquals(PlaybookStore.PublishResult.CREATED, one.publish(first, "admin:t", "test"));
        assertEquals(List.of(first.publication()), ids(other, PC1), "published through the first collector");
        assertEquals(List.of(), ids(other, PC2));
        assertEquals(machines, other.firstMatching(PC1).orElseThrow().scope());

        PlaybookScope berlin = new PlaybookScope(PlaybookScope.Kind.TAG, "site", "berlin", List.of());
        PlaybookStore.Publication rescoped = new PlaybookStore.Publication(first.publication(), first.playbookId(), first.version(), first.title(),
                first.signedBy(), berlin, first.body(), first.signature(), 1001, null);
        assertEquals(PlaybookStore.PublishResult.SCOPE_REPLACED, one.publish(rescoped, "admin:t", "test"));
        assertEquals(List.of(), ids(other, PC1), "the scope replaced through the first collector");
        assertEquals(List.of(first.publication()), ids(other, PC2));
        assertEquals(berlin, other.firstMatching(PC2).orElseThrow().scope());

        PlaybookStore.Publication second = publication(2, PlaybookScope.ALL, 2000);
        assertEquals(PlaybookStore.PublishResult.CREATED, other.publish(second, "admin:t", "test"));
        assertEquals(List.of(first.publication(), second.publication()), ids(one, PC2), "and the other way round, oldest first");

        one.retire(first.publication(), 3000, "admin:t", "test");
        assertEquals(List.of(second.publication()), ids(other, PC2), "retired through the first collector");
        assertEquals(second.publication(), other.firstMatching(PC2).orElseThrow().publication());
        other.retire(second.publication(), 3001, "admin:t", "test");
        assertEquals(List.of(), ids(one, PC2));
        assertEquals(Optional.empty(), one.firstMatching(PC1));
    }

    @Test
    void aDamagedScopeMatchesNoMachineAndADamagedBodyIsServedEmpty() throws Exception {
        try (Database db = Database.sqliteIn(tmp)) {
            PlaybookStore store = new PlaybookStore(db);
            PlaybookStore.Publication broken = publication(1, PlaybookScope.ALL, 1000);
            PlaybookStore.Publication bad = publication(2, PlaybookScope.ALL, 1001);
            store.publish(broken, "admin:t", "test");
            store.publish(bad, "admin:t", "test");
            PlaybookScope.Asker anyone = new PlaybookScope.Asker("pc", "s", "v", Map.of());
            assertEquals(2, store.servedTo(anyone, 16).size(), "both cached before the damage");
            // changed behind the collector's back: seen once the generation moves, as after any later publish or retire
            try (Connection c = db.connection();
                 PreparedStatement scope = c.prepareStatement("UPDATE playbook_publications SET scope = '{\"kind\":' WHERE publication = ?");
                 PreparedStatement body = c.prepareStatement("UPDATE playbook_publications SET body = '%%% not base64' WHERE publication = ?");
                 PreparedStatement bump = c.prepareStatement("UPDATE playbook_generation SET generation = generation + 1")) {
                scope.setString(1, broken.publication());
                assertEquals(1, scope.executeUpdate());
                body.setString(1, bad.publication());
                assertEquals(1, body.executeUpdate());
                assertEquals(1, bump.executeUpdate());
            }
            List<PlaybookStore.Served> served = store.servedTo(anyone, 16);
            assertEquals(List.of(new PlaybookStore.Served(bad.publication(), "", Base64.getEncoder().encodeToString(bad.signature()))), served,
                    "the damaged scope matches no one; the damaged body is empty, which the agent's signature check refuses");
            assertEquals(0, store.activeFor(anyone, 16).get(0).body().length);
            assertEquals(bad.publication(), store.firstMatching(anyone).orElseThrow().publication(), "the older one, damaged, is skipped");
            assertEquals(List.of(bad.publication()), store.activeFor(new PlaybookScope.Asker(null, null, null, Map.of()), 16).stream()
                    .map(PlaybookStore.Publication::publication).toList(), "not even a machine without names");
        }
    }

    /** Two reloads racing: the one that read the older generation finishes last and must not replace the newer snapshot. */
    @Test
    void aSlowReloadOfAnOlderGenerationDoesNotReplaceANewerOne() throws Exception {
        try (Database db = Database.sqliteIn(tmp)) {
            CountDownLatch slowStarted = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger loads = new AtomicInteger();
            PlaybookStore.Publication older = publication(1, PlaybookScope.ALL, 1000);
            PlaybookStore.Publication newer = publication(2, PlaybookScope.ALL, 2000);
            ActivePublications cache = new ActivePublications(db, () -> {
                if (loads.incrementAndGet() == 1) {
                    slowStarted.countDown();
                    awaitOrFail(release);
                    return List.of(older);
                }
                return List.of(newer);
            });
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<ActivePublications.Snapshot> slow = pool.submit(cache::now);
                assertTrue(slowStarted.await(30, TimeUnit.SECONDS));
                bump(db);
                ActivePublications.Snapshot fast = cache.now();
                assertEquals(1, fast.generation());
                release.countDown();
                assertEquals(1, slow.get(30, TimeUnit.SECONDS).generation(), "the slow reload hands back the newer snapshot it found");
                assertEquals(newer, cache.now().active().get(0).publication());
                assertEquals(2, loads.get(), "the generation did not move again, so nothing was read again");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static void awaitOrFail(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void bump(Database db) throws Exception {
        try (Connection c = db.connection()) {
            ActivePublications.changed(c);
        }
    }
}
