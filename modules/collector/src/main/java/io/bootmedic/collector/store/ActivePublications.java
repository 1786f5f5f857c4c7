package io.bootmedic.collector.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BinaryOperator;

/**
 * The active publications as last read, each scope compiled and each body's answer encoded once,
 * so an agent's poll neither parses nor decodes nor scans (issue 22: one publication scoped to
 * 10,000 machines cut the route from 2,452 to 32 answers a second). Every change to the active set
 * raises {@code playbook_generation} in its own transaction; a lookup reads that number (one row)
 * and reloads only when it moved, so collectors sharing a database see each other's changes at once.
 */
final class ActivePublications {
    /** One active publication, ready to be served: its answer's base64 fields encoded at load. */
    record Active(PlaybookStore.Publication publication, ScopeIndex scope, String playbookBase64, String signatureBase64) {
    }

    /** What was active at {@code generation}, oldest first (published_at, publication). Never changed once made. */
    record Snapshot(long generation, List<Active> active) {
    }

    /** Reads the active rows; the store owns the SQL that turns a row into a publication. */
    interface Loader {
        List<PlaybookStore.Publication> activeOldestFirst() throws SQLException;
    }

    private static final Snapshot NOTHING_READ = new Snapshot(Long.MIN_VALUE, List.of());
    /**
     * Concurrent reloads may finish in any order: the newer generation stays. (The number only
     * grows; a database restored to an older copy needs its collectors restarted.)
     */
    private static final BinaryOperator<Snapshot> NEWER = (held, fresh) -> fresh.generation() > held.generation() ? fresh : held;

    private final Database db;
    private final Loader loader;
    private final AtomicReference<Snapshot> current = new AtomicReference<>(NOTHING_READ);

    ActivePublications(Database db, Loader loader) {
        this.db = db;
        this.loader = loader;
    }

    /** The active publications as of now: the cached ones unless the generation moved since. */
    Snapshot now() throws SQLException {
        long generation = generation();
        Snapshot held = current.get();
        if (held.generation() >= generation) {
            return held; // newer when another thread reloaded after this one read the number
        }
        // read after the generation: the rows are at least as new as the number they are filed under
        Snapshot fresh = new Snapshot(generation, loader.activeOldestFirst().stream().map(ActivePublications::compile).toList());
        return current.accumulateAndGet(fresh, NEWER);
    }

    private static Active compile(PlaybookStore.Publication p) {
        return new Active(p, ScopeIndex.of(p.scope()), Base64.getEncoder().encodeToString(p.body()), Base64.getEncoder().encodeToString(p.signature()));
    }

    private long generation() throws SQLException {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT generation FROM playbook_generation WHERE id = 1");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the playbook_generation row is missing (migration V7 makes it)");
            }
            return rs.getLong(1);
        }
    }

    /** Marks a change to the active set; called inside the change's own transaction so no reader sees one without the other. */
    static void changed(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE playbook_generation SET generation = generation + 1 WHERE id = 1")) {
            if (ps.executeUpdate() != 1) {
                throw new SQLException("the playbook_generation row is missing (migration V7 makes it)");
            }
        }
    }
}
