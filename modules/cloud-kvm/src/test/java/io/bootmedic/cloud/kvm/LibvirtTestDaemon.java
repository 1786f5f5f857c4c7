package io.bootmedic.cloud.kvm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real libvirtd (Debian's libvirt-daemon) on a private unix socket, hosting libvirt's built-in
 * test driver, so that state persists from one {@code virsh} process to the next.
 *
 * <p>Why a daemon: {@code virsh -c test:///default} runs the test driver inside the virsh process,
 * so every virsh call starts from the driver's fresh default state (a {@code virsh shutdown} is
 * forgotten by the next {@code virsh domstate}); a custom file ({@code test:///abs/node.xml}) is
 * parsed anew at every connection, in the client or in a daemon, so it has the same problem. In a
 * daemon, all connections to {@code test:///default} share one state for as long as at least one
 * stays open (the test driver counts them and frees the state when the last one closes). So this
 * class starts libvirtd and keeps one connection open with {@code virsh event --all --loop}, whose
 * output is also the record of every lifecycle event (Defined, Started, Stopped Shutdown, Stopped
 * Destroyed). The script under test then runs its own {@code virsh -c test+unix:///default?socket=…}
 * calls against that state.
 *
 * <p>The daemon runs as an unprivileged user ({@code nobody}, via setpriv, when the test runs as root)
 * in session mode with HOME/XDG dirs in a private folder, and with {@code LIBVIRT_DRIVER_DIR} (the
 * variable libvirt's own build-tree runs use) pointing at an empty folder, so it loads no stateful
 * driver (no qemu, network, storage) and touches nothing of the host's libvirt. The test driver is
 * built into libvirt.so, so it is always there.
 *
 * <p>What the test driver shows: real virsh argument parsing and output (domstate, dominfo,
 * dumpxml --inactive, list --all --name, shutdown, destroy, start, managedsave), real domain XML
 * validation and normalisation, the real lifecycle state machine, including {@code <on_poweroff>}:
 * with {@code restart} a shutdown leaves the domain running, as a guest that ignores the ACPI
 * button or reboots instead. What it does not show: no guest runs and no qemu opens the disk
 * files (so no qemu image locks, no real shutdown delay: a shutdown either takes effect at once
 * or never), no security labels or ownership changes of the disk files, no storage pools backed by
 * real folders.
 */
final class LibvirtTestDaemon implements AutoCloseable {
    private final Path dir;
    private final Process daemon;
    private final Process keeper;
    private final Path events;

    private LibvirtTestDaemon(Path dir, Process daemon, Process keeper, Path events) {
        this.dir = dir;
        this.daemon = daemon;
        this.keeper = keeper;
        this.events = events;
    }

    static LibvirtTestDaemon start() throws Exception {
        for (String tool : List.of("/usr/sbin/libvirtd", "/usr/bin/virsh")) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new AssertionError(tool + " is not installed; run 'bash scripts/setup-debian.sh' (libvirt-daemon, libvirt-clients)");
            }
        }
        // not under the test's @TempDir: the unprivileged daemon must be able to reach its socket folder
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "bootmedic-libvirt-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String sub : List.of("run", "home", "nodrivers")) {
            Path p = Files.createDirectories(dir.resolve(sub));
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        Path conf = dir.resolve("libvirtd.conf");
        Files.writeString(conf, "unix_sock_dir = \"" + dir.resolve("run") + "\"\nunix_sock_rw_perms = \"0777\"\nauth_unix_rw = \"none\"\n");
        List<String> cmd = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        }
        // -t 30: should this JVM die without close(), the daemon ends 30 s after its last client (the keeper below, itself
        // bounded by 'timeout') has gone
        cmd.addAll(List.of("/usr/sbin/libvirtd", "-t", "30", "-f", conf.toString(), "-p", dir.resolve("run/libvirtd.pid").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("libvirtd.log").toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("HOME", dir.resolve("home").toString());
        env.put("XDG_RUNTIME_DIR", dir.resolve("run").toString());
        env.put("XDG_CONFIG_HOME", dir.resolve("home/.config").toString());
        env.put("XDG_CACHE_HOME", dir.resolve("home/.cache").toString());
        env.put("LIBVIRT_DRIVER_DIR", dir.resolve("nodrivers").toString());
        Process daemon = pb.start();
        Path socket = dir.resolve("run/libvirt-sock");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(socket)) {
            if (!daemon.isAlive() || System.nanoTime() > deadline) {
                daemon.destroyForcibly();
                throw new AssertionError("libvirtd did not start:\n" + Files.readString(dir.resolve("libvirtd.log")));
            }
            Thread.sleep(50);
        }
        Path events = dir.resolve("events.log");
        Process keeper = new ProcessBuilder("timeout", "900", "/usr/bin/virsh", "-c", uri(dir), "event", "--all", "--loop")
                .redirectErrorStream(true).redirectOutput(events.toFile()).start();
        LibvirtTestDaemon d = new LibvirtTestDaemon(dir, daemon, keeper, events);
        // the keeper's connection is open once a change shows up in its event stream; until then the probe's
        // events may come before it listens, so define and undefine it again until one shows up
        Path probe = d.writeXml("bootmedic-keeper-probe", TestDomains.minimal("bootmedic-keeper-probe"));
        while (!d.events().contains("bootmedic-keeper-probe")) {
            if (!keeper.isAlive() || System.nanoTime() > deadline) {
                String seen = Files.readString(events);
                d.close();
                throw new AssertionError("virsh event did not report the probe domain within 60 s: " + seen);
            }
            d.virsh("define", probe.toString());
            try {
                d.virsh("undefine", "bootmedic-keeper-probe");
            } catch (AssertionError e) {
                // the test driver drops its state when its last connection closes: before the keeper is
                // connected, the domain one virsh defined is gone for the next. Try again.
                if (!e.getMessage().contains("failed to get domain")) {
                    throw e;
                }
            }
            Thread.sleep(200);
        }
        return d;
    }

    private static String uri(Path dir) {
        return "test+unix:///default?socket=" + dir.resolve("run/libvirt-sock");
    }

    String uri() {
        return uri(dir);
    }

    Path writeXml(String name, String xml) throws IOException {
        Path file = dir.resolve(name + ".xml");
        Files.writeString(file, xml);
        return file;
    }

    void define(String name, String xml) throws Exception {
        virsh("define", writeXml(name, xml).toString());
    }

    /** Runs the real virsh against the daemon; fails the test when it fails. */
    String virsh(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/virsh", "-q", "-c", uri()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed:\n" + out);
        }
        return out.strip();
    }

    String state(String domain) throws Exception {
        return virsh("domstate", domain);
    }

    /** The lifecycle events of one domain so far, e.g. "Started Booted", "Stopped Shutdown". */
    List<String> events(String domain) throws IOException {
        String prefix = "event 'lifecycle' for domain '" + domain + "': ";
        return events().lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).toList();
    }

    private String events() throws IOException {
        return Files.readString(events);
    }

    @Override
    public void close() throws Exception {
        keeper.destroy();
        daemon.destroy();
        if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
            daemon.destroyForcibly();
        }
        keeper.waitFor(10, TimeUnit.SECONDS);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
