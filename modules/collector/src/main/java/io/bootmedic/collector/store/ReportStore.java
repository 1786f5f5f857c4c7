package io.bootmedic.collector.store;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stores uploaded reports and keeps each machine's latest state.
 *
 * <p>An agent moves a report to {@code outbox/sent} once the collector acknowledges it, so a report
 * is acknowledged only after the transaction that holds it has committed durably: on PostgreSQL a
 * synchronous commit (the WAL is flushed), on SQLite {@code synchronous=FULL} (the WAL is synced).
 * Nothing acknowledged is lost when the database, the collector or the machine dies.
 *
 * <p>To keep that affordable, commits are grouped: request threads hand their reports to a few
 * writer threads and wait; each writer takes whatever has arrived (up to {@link #MAX_BATCH}), writes
 * it with one multi-row statement per table and one commit, then answers every request of the batch.
 * Under load one flush covers many reports; a lone report waits for its own commit only.
 * A batch the database refuses is written again one report at a time, so a report that cannot be
 * stored fails alone; a lost database connection fails the whole batch at once (agents retry).
 */
public final class ReportStore implements AutoCloseable {
    /** Reports in one transaction at most: bounds its statements' size (8 parameters a row). */
    static final int MAX_BATCH = 128;
    /** How long a request waits for its batch to commit before it gives up (the report may still be stored; re-sending is harmless). */
    private static final long WAIT_MILLIS = 60_000;
    /** How long {@link #close()} lets the writers finish what is queued. */
    private static final long CLOSE_MILLIS = 10_000;

    private final Database db;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final List<Thread> writers = new ArrayList<>();
    private final AtomicLong commits = new AtomicLong();
    private volatile boolean closed;

    /** Whether the report was new or a re-send of a run already stored (agents retry; that is fine). */
    public enum Result { CREATED, DUPLICATE }

    /**
     * One writer on SQLite (it serializes writers anyway); two on PostgreSQL, so one batch is written
     * while the other waits for its WAL flush.
     */
    public ReportStore(Database db) {
        this(db, db.isSqlite() ? 1 : 2);
    }

    ReportStore(Database db, int writerThreads) {
        this.db = db;
        for (int i = 0; i < writerThreads; i++) {
            Thread t = new Thread(this::writeLoop, "report-writer-" + i);
            t.setDaemon(true);
            writers.add(t);
        }
        db.closeFirst(this);
        writers.forEach(Thread::start);
    }

    /** Stores one report and returns once it is committed durably. */
    public Result ingest(ReportSummary r, byte[] body, long receivedAt) throws SQLException {
        CompletableFuture<Result> result = submit(r, body, receivedAt);
        try {
            return result.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException s) {
                throw new SQLException(s.getMessage(), s.getSQLState(), s);
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new SQLException(String.valueOf(cause), cause);
        } catch (TimeoutException e) {
            throw new SQLTransientConnectionException("the report was not committed within " + WAIT_MILLIS / 1000 + " s (is the database reachable?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while the report was being stored");
        }
    }

    /**
     * Queues one report; the future completes once the transaction holding it has committed durably
     * (or fails). For callers that store many reports at once (seeding).
     */
    public CompletableFuture<Result> submit(ReportSummary r, byte[] body, long receivedAt) {
        Pending p = new Pending(r, body, receivedAt, new CompletableFuture<>());
        if (closed) {
            p.result.completeExceptionally(stopping());
            return p.result;
        }
        queue.add(p);
        if (closed && queue.remove(p)) {
            // close() ran meanwhile and its writers may be gone: nobody would answer this one
            p.result.completeExceptionally(stopping());
        }
        return p.result;
    }

    /** For tests (a store made with no writer threads): writes what is queued, in order, in batches of up to {@link #MAX_BATCH}, on this thread. */
    void writeQueued() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (queue.drainTo(batch, MAX_BATCH) > 0) {
            write(List.copyOf(batch));
            batch.clear();
        }
    }

    /** Transactions committed so far (each holds one or more reports). */
    long commits() {
        return commits.get();
    }

    private static SQLException stopping() {
        return new SQLRecoverableException("the collector is stopping; the report was not stored");
    }

    private record Pending(ReportSummary summary, byte[] body, long receivedAt, CompletableFuture<Result> result) {
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (true) {
            Pending first;
            try {
                first = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                first = null;
            }
            if (first == null) {
                if (closed) {
                    return;
                }
                continue;
            }
            batch.clear();
            batch.add(first);
            queue.drainTo(batch, MAX_BATCH - 1);
            write(batch);
        }
    }

    /** Writes and commits a batch, then answers each of its requests. */
    private void write(List<Pending> batch) {
        try {
            List<Result> results = commit(batch);
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result.complete(results.get(i));
            }
            return;
        } catch (SQLException | RuntimeException e) {
            if (batch.size() == 1 || unreachable(e)) {
                batch.forEach(p -> p.result.completeExceptionally(e));
                return;
            }
        }
        // one report may be what the database refused: each alone, so only that one fails
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            try {
                p.result.complete(commit(List.of(p)).get(0));
            } catch (SQLException | RuntimeException e) {
                p.result.completeExceptionally(e);
                if (unreachable(e)) {
                    // the database went away meanwhile: the others would each wait for a connection in vain
                    batch.subList(i + 1, batch.size()).forEach(rest -> rest.result.completeExceptionally(e));
                    return;
                }
            }
        }
    }

    /** The database is gone or the connection broke: no point trying the reports one by one. */
    private static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException s && s.getSQLState() != null
                    && (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57") || s.getSQLState().startsWith("53"))) {
                return true;
            }
        }
        return false;
    }

    private List<Result> commit(List<Pending> batch) throws SQLException {
        List<Result> results = db.durably(c -> {
            c.setAutoCommit(false);
            try {
                List<Result> r = insert(c, batch);
                c.commit();
                return r;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // a broken connection: the pool drops it
                }
            }
        });
        commits.incrementAndGet();
        return results;
    }

    /**
     * Writes a batch inside the caller's transaction. Rows are written in key order (reports by
     * run id, machines by id, rotations by key id), so two transactions (another writer, another
     * collector on the same database) lock shared rows in the same order and never deadlock.
     */
    private static List<Result> insert(Connection c, List<Pending> batch) throws SQLException {
        // a run id twice in one batch: the first is stored (or was already), the others are re-sends
        Map<String, Pending> byRun = new LinkedHashMap<>();
        for (Pending p : batch) {
            byRun.putIfAbsent(p.summary.runId(), p);
        }
        List<Pending> distinct = new ArrayList<>(byRun.values());
        distinct.sort(Comparator.comparing(p -> p.summary.runId()));
        Set<String> created = insertReports(c, distinct);

        List<Pending> stored = new ArrayList<>();
        for (Pending p : batch) {
            if (created.contains(p.summary.runId()) && byRun.get(p.summary.runId()) == p) {
                stored.add(p);
            }
        }
        upsertMachines(c, stored);
        upsertRotations(c, stored);
        CrashStore.write(c, stored.stream().map(p -> new CrashStore.Received(p.summary, p.receivedAt)).toList());
        for (Pending p : stored) {
            PlaybookStore.recordApplied(c, p.summary.runId(), p.body);
        }
        List<Result> results = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            results.add(created.contains(p.summary.runId()) && byRun.get(p.summary.runId()) == p ? Result.CREATED : Result.DUPLICATE);
        }
        return results;
    }

    /** "(?, ?, …), (?, ?, …)…": {@code rows} rows of {@code columns} parameters. */
    static String values(int columns, int rows) {
        String row = "(?" + ", ?".repeat(columns - 1) + ")";
        StringBuilder sb = new StringBuilder(rows * (row.length() + 2));
        for (int i = 0; i < rows; i++) {
            sb.append(i == 0 ? "" : ", ").append(row);
        }
        return sb.toString();
    }

    /** Inserts the reports whose run id is new; returns those run ids. */
    private static Set<String> insertReports(Connection c, List<Pending> reports) throws SQLException {
        Set<String> created = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO reports (run_id, machine_id, received_at, finished_at, outcome, mode, "
                + "agent_version, body) VALUES " + values(8, reports.size()) + " ON CONFLICT (run_id) DO NOTHING RETURNING run_id")) {
            int i = 0;
            for (Pending p : reports) {
                ReportSummary r = p.summary;
                ps.setString(++i, r.runId());
                ps.setString(++i, r.machineId());
                ps.setLong(++i, p.receivedAt);
                ps.setLong(++i, r.finishedAt());
                ps.setString(++i, r.outcome());
                ps.setString(++i, r.mode());
                ps.setString(++i, r.agentVersion());
                ps.setString(++i, new String(p.body, StandardCharsets.UTF_8));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    created.add(rs.getString(1));
                }
            }
        }
        return created;
    }

    /**
     * One row per machine for the reports just stored, folded in arrival order exactly as one upsert
     * per report would leave it: the latest state is the report the collector received last (the
     * agent's clock, kept in latest_at as information, may run a day fast or be unset and must not
     * pin a machine's outcome), each identifying field the last one given, the count the number of reports.
     */
    private static void upsertMachines(Connection c, List<Pending> stored) throws SQLException {
        if (stored.isEmpty()) {
            return;
        }
        Map<String, MachineRow> rows = new HashMap<>();
        for (Pending p : stored) {
            rows.compute(p.summary.machineId(), (id, row) -> row == null ? MachineRow.of(p) : row.then(p));
        }
        List<MachineRow> sorted = new ArrayList<>(rows.values());
        sorted.sort(Comparator.comparing(m -> m.id));
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO machines (id, identity, computer_name, bios_serial, vm_id, volume_ids, "
                + "latest_outcome, latest_run_id, latest_at, first_seen, last_seen, report_count, needed_key_ids) VALUES " + values(13, sorted.size())
                + " ON CONFLICT (id) DO UPDATE SET "
                + "latest_outcome = CASE WHEN excluded.last_seen >= machines.last_seen THEN excluded.latest_outcome ELSE machines.latest_outcome END, "
                + "latest_run_id = CASE WHEN excluded.last_seen >= machines.last_seen THEN excluded.latest_run_id ELSE machines.latest_run_id END, "
                + "needed_key_ids = CASE WHEN excluded.last_seen >= machines.last_seen THEN excluded.needed_key_ids ELSE machines.needed_key_ids END, "
                + "latest_at = CASE WHEN excluded.last_seen >= machines.last_seen THEN excluded.latest_at ELSE machines.latest_at END, "
                + "computer_name = COALESCE(excluded.computer_name, machines.computer_name), "
                + "bios_serial = COALESCE(excluded.bios_serial, machines.bios_serial), "
                + "vm_id = COALESCE(excluded.vm_id, machines.vm_id), "
                + "volume_ids = COALESCE(excluded.volume_ids, machines.volume_ids), "
                + "last_seen = CASE WHEN excluded.last_seen >= machines.last_seen THEN excluded.last_seen ELSE machines.last_seen END, "
                + "report_count = machines.report_count + excluded.report_count")) {
            int i = 0;
            for (MachineRow m : sorted) {
                ps.setString(++i, m.id);
                ps.setString(++i, m.identity);
                ps.setString(++i, m.computerName);
                ps.setString(++i, m.biosSerial);
                ps.setString(++i, m.vmId);
                ps.setString(++i, m.volumeIds);
                ps.setString(++i, m.latest.summary.outcome());
                ps.setString(++i, m.latest.summary.runId());
                ps.setLong(++i, m.latest.summary.finishedAt());
                ps.setLong(++i, m.firstSeen);
                ps.setLong(++i, m.lastSeen);
                ps.setInt(++i, m.count);
                ps.setString(++i, m.latest.summary.neededKeyIds().isEmpty() ? null : String.join(",", m.latest.summary.neededKeyIds()));
            }
            ps.executeUpdate();
        }
    }

    /** A machine's row as the reports of one batch leave it (before it meets the stored row). */
    private static final class MachineRow {
        final String id;
        final String identity;
        final long firstSeen;
        String computerName;
        String biosSerial;
        String vmId;
        String volumeIds;
        Pending latest;
        long lastSeen;
        int count;

        private MachineRow(Pending first) {
            this.id = first.summary.machineId();
            this.identity = first.summary.identity();
            this.firstSeen = first.receivedAt;
        }

        static MachineRow of(Pending p) {
            MachineRow m = new MachineRow(p);
            m.latest = p;
            return m.fields(p);
        }

        MachineRow then(Pending p) {
            latest = p; // the batch is folded in arrival order: the later report is the latest
            return fields(p);
        }

        private MachineRow fields(Pending p) {
            ReportSummary r = p.summary;
            computerName = r.computerName() != null ? r.computerName() : computerName;
            biosSerial = r.biosSerial() != null ? r.biosSerial() : biosSerial;
            vmId = r.vmId() != null ? r.vmId() : vmId;
            volumeIds = r.volumeIds().isEmpty() ? volumeIds : String.join(",", r.volumeIds());
            lastSeen = p.receivedAt;
            count++;
            return this;
        }
    }

    /**
     * Recovery passwords the stored runs used, one row per key: the machine that reported it first
     * (as when each report wrote its own row), the run, time and source of the last.
     */
    private static void upsertRotations(Connection c, List<Pending> stored) throws SQLException {
        Map<String, String[]> byKey = new HashMap<>();
        for (Pending p : stored) {
            for (ReportSummary.UsedKey key : p.summary.usedKeys()) {
                String[] row = byKey.computeIfAbsent(key.keyId(), k -> new String[]{k, p.summary.machineId(), p.summary.computerName(), null, null, null});
                row[3] = key.source();
                row[4] = p.summary.runId();
                row[5] = Long.toString(p.receivedAt);
            }
        }
        if (byKey.isEmpty()) {
            return;
        }
        List<String[]> sorted = new ArrayList<>(byKey.values());
        sorted.sort(Comparator.comparing(r -> r[0]));
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO key_rotations (key_id, machine_id, computer_name, key_source, run_id, reported_at) "
                + "VALUES " + values(6, sorted.size()) + " ON CONFLICT (key_id) DO UPDATE SET run_id = excluded.run_id, "
                + "reported_at = excluded.reported_at, key_source = excluded.key_source")) {
            int i = 0;
            for (String[] r : sorted) {
                ps.setString(++i, r[0]);
                ps.setString(++i, r[1]);
                ps.setString(++i, r[2]);
                ps.setString(++i, r[3]);
                ps.setString(++i, r[4]);
                ps.setLong(++i, Long.parseLong(r[5]));
            }
            ps.executeUpdate();
        }
    }

    /** Lets the writers finish what is queued (bounded), then fails whatever is left. Called by {@link Database#close()}. */
    @Override
    public void close() {
        closed = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_MILLIS);
        for (Thread t : writers) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Pending p; (p = queue.poll()) != null; ) {
            p.result.completeExceptionally(stopping());
        }
    }
}
