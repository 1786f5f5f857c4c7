import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipFile;

/**
 * Run by scripts/check/agent-size.sh as {@code java -cp AGENT_JAR WindowsClassesLoad.java AGENT_JAR EDGES}:
 * loads, from the shaded agent jar alone, every class of io.bootmedic.platform.windows and every
 * class of bootmedic's platform and of JNA they reach (following jdeps -verbose:class edges in
 * EDGES), without initializing any (no native library is loaded), and resolves each one's
 * fields, methods and constructors so a type the minimizer dropped from a signature shows too.
 * A missing class whose name appears in none of the referrer's instructions or member
 * declarations (javap -c -p) is a compile-time constant holder javac left in the constant pool
 * (jna's WinBase and NTStatus): it is never loaded, so it is noted, not failed.
 * Prints one line per missing class and exits 1; exits 0 with a count otherwise.
 */
public class WindowsClassesLoad {
    static final String START = "io.bootmedic.platform.windows.";

    /** Whether {@code user}'s code or member declarations name {@code type} (javap -c -p, no constant pool). */
    static boolean usedBy(Path jar, String user, String type) throws IOException {
        Process p = new ProcessBuilder("javap", "-c", "-p", "-cp", jar.toString(), user).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        java.util.regex.Pattern named = java.util.regex.Pattern.compile(
                "(" + java.util.regex.Pattern.quote(type) + "|" + java.util.regex.Pattern.quote(type.replace('.', '/')) + ")(?![A-Za-z0-9_$])");
        return named.matcher(out).find();
    }

    public static void main(String[] args) throws IOException {
        Path jar = Path.of(args[0]);
        Map<String, List<String>> edges = new HashMap<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length >= 3 && parts[1].equals("->")) {
                edges.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(parts[2]);
            }
        }
        Deque<String> todo = new ArrayDeque<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            zip.stream().map(e -> e.getName()).filter(n -> n.startsWith("io/bootmedic/platform/windows/") && n.endsWith(".class"))
                    .map(n -> n.substring(0, n.length() - 6).replace('/', '.')).forEach(todo::add);
        }
        // PlatformFactory loads WindowsPlatform by name: nothing in the jar points at it, so it is asked for explicitly
        for (String entry : List.of("io.bootmedic.platform.PlatformFactory", START + "WindowsPlatform")) {
            if (!todo.contains(entry)) {
                todo.add(entry);
            }
        }
        Set<String> seen = new LinkedHashSet<>(todo);
        Map<String, String> neededBy = new HashMap<>();
        List<String> missing = new ArrayList<>();
        ClassLoader loader = WindowsClassesLoad.class.getClassLoader();
        while (!todo.isEmpty()) {
            String name = todo.poll();
            try {
                Class<?> c = Class.forName(name, false, loader);
                if (c.getProtectionDomain().getCodeSource() == null
                        || !Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).equals(jar.toAbsolutePath())) {
                    if (!name.startsWith("java.")) {
                        missing.add(name + " came from outside the agent jar");
                    }
                    continue;
                }
                c.getDeclaredFields();
                c.getDeclaredMethods();
                c.getDeclaredConstructors();
                c.getDeclaredClasses();
            } catch (ClassNotFoundException | LinkageError e) {
                String by = neededBy.get(name);
                if (e instanceof ClassNotFoundException && by != null && !usedBy(jar, by, name)) {
                    System.out.println("note: " + name + " is absent, but " + by + " only names it in its constant pool (inlined constants)");
                } else {
                    missing.add(name + (by != null ? " (needed by " + by + ")" : "") + ": " + e);
                }
                continue;
            } catch (java.net.URISyntaxException e) {
                throw new IOException(e);
            }
            for (String next : edges.getOrDefault(name, List.of())) {
                if ((next.startsWith("io.bootmedic.platform.") || next.startsWith("com.sun.jna.")) && seen.add(next)) {
                    neededBy.put(next, name);
                    todo.add(next);
                }
            }
        }
        if (!missing.isEmpty()) {
            for (String m : missing) {
                System.err.println("agent-size: FAIL: the Windows code cannot load " + m
                        + ": the minimizer dropped it; keep it in modules/agent/pom.xml (shade filters)");
            }
            System.exit(1);
        }
        System.out.println("loaded from the agent jar: " + seen.size() + " classes of io.bootmedic.platform(.windows) and JNA that the Windows code reaches");
    }
}
