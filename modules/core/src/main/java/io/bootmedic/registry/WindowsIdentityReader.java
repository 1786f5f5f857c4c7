package io.bootmedic.registry;

import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.remediation.IdentityProbe;
import io.bootmedic.report.Report;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which Windows a volume holds, from its offline hives: the computer name from SYSTEM (the
 * control set that {@code Select\Current} names, not the newest one) and product and build from
 * SOFTWARE. Anything missing or damaged is reported as unknown with a note, never an exception:
 * a machine must be fixable even when its registry is broken.
 */
public final class WindowsIdentityReader implements IdentityProbe {
    static final RelPath SYSTEM = RelPath.of("Windows/System32/config/SYSTEM");
    static final RelPath SOFTWARE = RelPath.of("Windows/System32/config/SOFTWARE");

    @Override
    public Result identify(FileTree tree) {
        List<String> notes = new ArrayList<>();
        String computerName = read(tree, SYSTEM, notes, WindowsIdentityReader::computerName);
        String[] product = read(tree, SOFTWARE, notes, WindowsIdentityReader::product);
        return new Result(new Report.Windows(computerName, product == null ? null : product[0], product == null ? null : product[1]), notes);
    }

    @FunctionalInterface
    private interface HiveQuery<T> {
        T query(Hive hive) throws IOException;
    }

    private static <T> T read(FileTree tree, RelPath path, List<String> notes, HiveQuery<T> query) {
        try {
            Optional<RelPath> actual = SafePaths.resolve(tree, path);
            if (actual.isEmpty() || !tree.stat(actual.get()).map(s -> s.isFile()).orElse(false)) {
                notes.add(path + " not found: machine identity partly unknown");
                return null;
            }
            try (SeekableByteChannel ch = tree.openRead(actual.get())) {
                return query.query(Hive.open(ch));
            }
        } catch (IOException | RuntimeException e) {
            notes.add(path + " could not be read (" + e.getMessage() + "): machine identity partly unknown");
            return null;
        }
    }

    /** Offline hives have no CurrentControlSet: Select\Current says which ControlSet00N is live. */
    static String computerName(Hive system) throws IOException {
        Optional<HiveKey> select = system.key("Select");
        if (select.isEmpty() || select.get().value("Current").isEmpty()) {
            return null;
        }
        long current = select.get().value("Current").get().asLong();
        Optional<HiveKey> key = system.key(String.format("ControlSet%03d\\Control\\ComputerName\\ComputerName", current));
        if (key.isEmpty()) {
            return null;
        }
        Optional<HiveValue> name = key.get().value("ComputerName");
        return name.isEmpty() ? null : name.get().asString();
    }

    /** Product name and build; NT 4.0's CurrentBuild is a legacy string, so fall back to CurrentBuildNumber. */
    static String[] product(Hive software) throws IOException {
        Optional<HiveKey> cv = software.key("Microsoft\\Windows NT\\CurrentVersion");
        if (cv.isEmpty()) {
            return null;
        }
        String build = text(cv.get(), "CurrentBuild");
        if (build == null || !build.matches("\\d+")) {
            build = text(cv.get(), "CurrentBuildNumber");
        }
        String ubr = text(cv.get(), "UBR");
        if (build != null && ubr != null && ubr.matches("\\d+")) {
            build = build + "." + ubr;
        }
        String product = text(cv.get(), "ProductName");
        if (product == null) {
            String version = text(cv.get(), "CurrentVersion");
            product = version == null ? null : "Windows NT " + version;
        } else if (product.startsWith("Windows 10") && build != null && buildNumber(build) >= 22000) {
            // Windows 11 still writes "Windows 10 …" into ProductName
            product = "Windows 11" + product.substring("Windows 10".length());
        }
        return new String[]{product, build};
    }

    private static int buildNumber(String build) {
        int dot = build.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? build : build.substring(0, dot));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String text(HiveKey key, String value) throws IOException {
        Optional<HiveValue> v = key.value(value);
        return v.isEmpty() ? null : v.get().asString();
    }
}
