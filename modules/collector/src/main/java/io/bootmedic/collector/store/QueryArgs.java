package io.bootmedic.collector.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/** The arguments of a query built from filters, bound in order: numbers as numbers, the rest as text. */
final class QueryArgs {
    private QueryArgs() {
    }

    static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            if (a instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else if (a instanceof Long n) {
                ps.setLong(i + 1, n);
            } else {
                ps.setString(i + 1, (String) a);
            }
        }
    }
}
