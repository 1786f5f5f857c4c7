package io.bootmedic.collector.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * "What is crashing the fleet": bug-check codes and faulting drivers by the number of machines
 * they crashed, crashes per hour, and the machines whose latest report says updates are pending.
 * Every answer is a few grouped queries over the indexed {@code crashes} table, bounded by a time
 * window and a row limit, never a scan of report bodies.
 */
public final class CrashQueries {
    private static final long HOUR = 3_600_000L;
    /** The longest window the page and the API offer (a week of hourly bars). */
    public static final int MAX_HOURS = 168;
    /** How long the dashboard reuses an answer: in an incident many reload the page, and each answer scans the window. */
    public static final long CACHE_MILLIS = 15_000;
    private static final int CACHE_ENTRIES = 64;
    private final Database db;
    private final Map<List<Object>, Summary> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Object>, Summary> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    public CrashQueries(Database db) {
        this.db = db;
    }

    /**
     * As {@link #summary}, reusing an answer computed for the same question less than {@link #CACHE_MILLIS}
     * before {@code now} (its {@link Summary#computedAt} says when). For the dashboard and the API.
     */
    public Summary cached(long now, int hours, Filter filter, int top, int pendingLimit) throws SQLException {
        List<Object> key = java.util.Arrays.asList(hours, filter, top, pendingLimit);
        synchronized (cache) {
            Summary s = cache.get(key);
            if (s != null && now - s.computedAt() >= 0 && now - s.computedAt() < CACHE_MILLIS) {
                return s;
            }
        }
        Summary s = summary(now, hours, filter, top, pendingLimit);
        synchronized (cache) {
            cache.put(key, s);
        }
        return s;
    }

    /** Narrows every count to one bug-check code or one driver; null parts do not filter. Both are as stored (checked by the caller). */
    public record Filter(String bugCheck, String module) {
        public static final Filter ALL = new Filter(null, null);
    }

    /**
     * A bug-check code or a driver and what it did in the window.
     *
     * @param key the code ({@code 0x00000050}) or the driver's file name
     * @param name for a code its symbolic name, for a driver the code it caused on most machines (null if unknown)
     */
    public record Top(String key, String name, long machines, long dumps, long firstAt, long lastAt) {
    }

    /** Machines that crashed in one hour, and the dumps they left. */
    public record Hour(long hourStart, long machines, long dumps) {
    }

    /** A machine whose latest report says updates are pending. */
    public record PendingMachine(String machineId, String computerName, long reportedAt, List<String> packages, List<String> evidence,
                                 String revertCommand) {
    }

    /** A machine with crashes of the filtered code or driver in the window. */
    public record CrashedMachine(String machineId, String computerName, long dumps, long lastAt) {
    }

    /** Machines listed when the page is narrowed to a code or a driver (the ones that crashed last): the scope of the playbook to come. */
    public static final int CRASHED_MACHINES = 100;

    /**
     * The page's data: the window {@code [from, to)}, its totals, the top lists, the hours, the pending machines, and when it was counted;
     * {@code crashed}: when narrowed to a code or driver, the machines with such crashes (else empty).
     */
    public record Summary(long from, long to, int hours, Filter filter, long machines, long dumps, List<Top> bugChecks, List<Top> drivers,
                          List<Hour> perHour, long pendingTotal, List<PendingMachine> pending, long computedAt, List<CrashedMachine> crashed) {
    }

    /** The last {@code hours} whole hours up to {@code now} (the current hour included): {@code top} codes and drivers, up to {@code pendingLimit} machines. */
    public Summary summary(long now, int hours, Filter filter, int top, int pendingLimit) throws SQLException {
        int h = Math.max(1, Math.min(MAX_HOURS, hours));
        long from = (Math.floorDiv(now, HOUR) - h + 1) * HOUR;
        long to = from + h * HOUR;
        StringBuilder where = new StringBuilder(" WHERE crash_at >= ? AND crash_at < ?");
        List<Object> args = new ArrayList<>(List.of(from, to));
        if (filter.bugCheck() != null) {
            where.append(" AND bug_check = ?");
            args.add(filter.bugCheck());
        }
        if (filter.module() != null) {
            where.append(" AND faulting_module = ?");
            args.add(filter.module());
        }
        try (Connection c = db.connection()) {
            long machines;
            long dumps;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(DISTINCT machine_id), COUNT(*) FROM crashes" + where)) {
                QueryArgs.bind(ps, args);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    machines = rs.getLong(1);
                    dumps = rs.getLong(2);
                }
            }
            List<Top> codes = top(c, "bug_check, MAX(bug_check_name)", "bug_check", where.toString(), args, top);
            List<Top> drivers = top(c, "faulting_module, NULL", "faulting_module", where + " AND faulting_module IS NOT NULL", args, top);
            drivers = withTopCode(c, drivers, where.toString(), args);
            List<Hour> perHour = perHour(c, from, h, where.toString(), args);
            long pendingTotal;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM machine_updates WHERE pending = 1"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                pendingTotal = rs.getLong(1);
            }
            List<CrashedMachine> crashed = filter.bugCheck() == null && filter.module() == null ? List.of() : crashed(c, where.toString(), args);
            return new Summary(from, to, h, filter, machines, dumps, codes, drivers, perHour, pendingTotal, pending(c, pendingLimit), now, crashed);
        }
    }

    /** The {@code limit} keys with the most machines (then dumps, then key, so ties list the same way every time). */
    private static List<Top> top(Connection c, String columns, String key, String where, List<Object> args, int limit) throws SQLException {
        List<Top> list = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + columns + ", COUNT(DISTINCT machine_id), COUNT(*), MIN(crash_at), MAX(crash_at) "
                + "FROM crashes" + where + " GROUP BY " + key + " ORDER BY 3 DESC, 4 DESC, 1 LIMIT ?")) {
            List<Object> all = new ArrayList<>(args);
            all.add(limit);
            QueryArgs.bind(ps, all);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    list.add(new Top(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6)));
                }
            }
        }
        return list;
    }

    /** Each driver with the bug-check code it caused on the most machines. */
    private static List<Top> withTopCode(Connection c, List<Top> drivers, String where, List<Object> args) throws SQLException {
        if (drivers.isEmpty()) {
            return drivers;
        }
        Map<String, String> best = new HashMap<>();
        Map<String, Long> bestMachines = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT faulting_module, bug_check, COUNT(DISTINCT machine_id) FROM crashes" + where
                + " AND faulting_module IN (" + String.join(", ", java.util.Collections.nCopies(drivers.size(), "?")) + ")"
                + " GROUP BY faulting_module, bug_check")) {
            List<Object> all = new ArrayList<>(args);
            drivers.forEach(d -> all.add(d.key()));
            QueryArgs.bind(ps, all);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String module = rs.getString(1);
                    String code = rs.getString(2);
                    long n = rs.getLong(3);
                    Long seen = bestMachines.get(module);
                    if (seen == null || n > seen || n == seen && code.compareTo(best.get(module)) < 0) {
                        best.put(module, code);
                        bestMachines.put(module, n);
                    }
                }
            }
        }
        return drivers.stream().map(d -> new Top(d.key(), best.get(d.key()), d.machines(), d.dumps(), d.firstAt(), d.lastAt())).toList();
    }

    private static List<Hour> perHour(Connection c, long from, int hours, String where, List<Object> args) throws SQLException {
        Map<Long, Hour> byHour = new LinkedHashMap<>();
        for (int i = 0; i < hours; i++) {
            byHour.put(from + i * HOUR, new Hour(from + i * HOUR, 0, 0));
        }
        // crash_at is never negative (dump times before 2000 are dropped), so integer division is the hour
        try (PreparedStatement ps = c.prepareStatement("SELECT crash_at / 3600000, COUNT(DISTINCT machine_id), COUNT(*) FROM crashes" + where
                + " GROUP BY crash_at / 3600000")) {
            QueryArgs.bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long start = rs.getLong(1) * HOUR;
                    if (byHour.containsKey(start)) {
                        byHour.put(start, new Hour(start, rs.getLong(2), rs.getLong(3)));
                    }
                }
            }
        }
        return List.copyOf(byHour.values());
    }

    private static List<CrashedMachine> crashed(Connection c, String where, List<Object> args) throws SQLException {
        List<CrashedMachine> list = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT k.machine_id, m.computer_name, k.n, k.last FROM (SELECT machine_id, COUNT(*) n, "
                + "MAX(crash_at) last FROM crashes" + where + " GROUP BY machine_id ORDER BY 3 DESC, 1 LIMIT ?) k LEFT JOIN machines m ON m.id = k.machine_id "
                + "ORDER BY k.last DESC, k.machine_id")) {
            List<Object> all = new ArrayList<>(args);
            all.add(CRASHED_MACHINES);
            QueryArgs.bind(ps, all);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    list.add(new CrashedMachine(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
                }
            }
        }
        return list;
    }

    private static List<PendingMachine> pending(Connection c, int limit) throws SQLException {
        List<PendingMachine> list = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT u.machine_id, m.computer_name, u.received_at, u.packages, u.evidence, u.revert_command "
                + "FROM machine_updates u LEFT JOIN machines m ON m.id = u.machine_id WHERE u.pending = 1 "
                + "ORDER BY u.received_at DESC, u.machine_id LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    list.add(new PendingMachine(rs.getString(1), rs.getString(2), rs.getLong(3), lines(rs.getString(4)), lines(rs.getString(5)),
                            rs.getString(6)));
                }
            }
        }
        return list;
    }

    private static List<String> lines(String s) {
        return s == null || s.isEmpty() ? List.of() : List.of(s.split("\n"));
    }
}
