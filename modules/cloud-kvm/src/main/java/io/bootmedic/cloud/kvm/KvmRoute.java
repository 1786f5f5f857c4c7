package io.bootmedic.cloud.kvm;

import io.bootmedic.cloud.engine.EngineConfig;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.route.Connection;
import io.bootmedic.cloud.route.Route;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** {@code bootmedic cloud kvm}: libvirt domains whose boot disks are image files on this host. */
public final class KvmRoute implements Route {
    @Override
    public String name() {
        return "kvm";
    }

    @Override
    public String summary() {
        return "KVM/libvirt domains with file disks (raw, qcow2, VHD, VHDX), repaired on this host through virsh.";
    }

    @Override
    public Object newOptions() {
        return new KvmOptions();
    }

    @Override
    public Connection connect(Object options) {
        KvmSettings s = settings((KvmOptions) options, System.getenv());
        Virsh virsh = new Virsh("virsh", s.uri(), s.virshTimeoutMillis());
        try {
            virsh.run("uri");
        } catch (CloudException e) {
            throw new IllegalArgumentException("cannot connect to libvirt" + (s.uri() != null ? " at " + s.uri() : "") + ": " + e.getMessage()
                    + ". Check that the daemon runs (systemctl status libvirtd or virtqemud), that you may use it (root, or group libvirt), and --connect."
                    + " Nothing was changed.");
        }
        KvmProvider provider = new KvmProvider(s, System.err);
        List<String> slots = new ArrayList<>();
        for (int i = 1; i <= s.slots(); i++) {
            slots.add("slot" + i);
        }
        return new Connection(provider, List.of(new EngineConfig.Worker(s.worker(), slots)), "kvm " + (s.uri() != null ? s.uri() : "(virsh default URI)"),
                provider::close);
    }

    /** The options checked and made into settings; a bad one is the one line the operator reads. */
    static KvmSettings settings(KvmOptions o, java.util.Map<String, String> env) {
        if (o.noStart) {
            throw new IllegalArgumentException("--no-start is not available with the engine yet (it starts every domain it stopped, on its repaired"
                    + " disk); leave it out, or stop the domain yourself afterwards");
        }
        if (o.bootmedic != null && o.jar != null) {
            throw new IllegalArgumentException("--bootmedic and --jar name two ways to run bootmedic: give one");
        }
        if (o.timeoutSeconds < 1) {
            throw new IllegalArgumentException("--timeout must be at least 1 second");
        }
        if (o.parallel < 1 || o.parallel > 64) {
            throw new IllegalArgumentException("--parallel must be between 1 and 64");
        }
        if (!o.osCheck.equals("metadata") && !o.osCheck.equals("image")) {
            throw new IllegalArgumentException("--os-check takes 'metadata' or 'image', not '" + o.osCheck + "'");
        }
        if (o.matching != null) {
            try {
                Pattern.compile(o.matching);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("--all-matching: not a regular expression: " + e.getDescription());
            }
        }
        List<String> domains = new ArrayList<>(o.domains);
        if (o.csv != null) {
            domains.addAll(csvDomains(o.csv, o.connect));
        }
        if (domains.isEmpty() && o.matching == null) {
            throw new IllegalArgumentException("name the domains: --domain NAME, --csv FILE or --all-matching REGEX");
        }
        List<String> bootmedic = new ArrayList<>();
        if (o.bootmedic != null) {
            bootmedic.add(o.bootmedic.toString());
        } else if (o.jar != null) {
            if (!Files.isRegularFile(o.jar)) {
                throw new IllegalArgumentException("--jar " + o.jar + ": no such file");
            }
            bootmedic.addAll(List.of("java", "-jar", o.jar.toString()));
        }
        List<String> pass = new ArrayList<>();
        addPass(pass, "--config", o.config);
        addPass(pass, "--key-bundle", o.keyBundle);
        addPass(pass, "--passphrase-file", o.passphraseFile);
        addPass(pass, "--outbox", o.outbox);
        if (o.backupDir != null && !Files.isDirectory(o.backupDir)) {
            throw new IllegalArgumentException("--backup-dir " + o.backupDir + " is not a folder");
        }
        Path state = o.stateDir != null ? o.stateDir : defaultStateDir(env);
        try {
            Files.createDirectories(state);
        } catch (IOException e) {
            throw new IllegalArgumentException("--state-dir " + state + " cannot be made (" + e.getMessage() + "): pass another");
        }
        String worker;
        try {
            worker = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            worker = "localhost";
        }
        return new KvmSettings(o.connect, List.copyOf(domains), o.matching, o.disk, o.backupDir == null ? null : o.backupDir.toAbsolutePath(),
                o.timeoutSeconds * 1000, o.force, o.sharedStorage, List.copyOf(bootmedic), List.copyOf(pass), state.toAbsolutePath(), worker, o.parallel,
                o.osCheck.equals("image"), 120_000);
    }

    private static void addPass(List<String> pass, String flag, Path value) {
        if (value != null) {
            pass.add(flag);
            pass.add(value.toAbsolutePath().toString());
        }
    }

    static Path defaultStateDir(java.util.Map<String, String> env) {
        if ("root".equals(System.getProperty("user.name"))) {
            return Path.of("/var/lib/bootmedic/kvm");
        }
        String xdg = env.get("XDG_STATE_HOME");
        return (xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state")).resolve("bootmedic/kvm");
    }

    /** Domain names from a CSV file; one run is one connection, so a line naming another URI is refused. */
    static List<String> csvDomains(Path csv, String connect) {
        List<String> lines;
        try {
            lines = Files.readAllLines(csv);
        } catch (IOException e) {
            throw new IllegalArgumentException("--csv " + csv + " cannot be read: " + e.getMessage());
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split(",", -1);
            if (out.isEmpty() && i == firstContent(lines) && (f[f.length - 1].strip().equalsIgnoreCase("domain"))) {
                continue; // the header
            }
            if (f.length > 2) {
                throw new IllegalArgumentException("--csv " + csv + " line " + (i + 1) + ": expected 'domain' or 'connect_uri,domain'");
            }
            if (f.length == 2 && !f[0].strip().isEmpty() && !f[0].strip().equals(connect)) {
                throw new IllegalArgumentException("--csv " + csv + " line " + (i + 1) + " names " + f[0].strip() + ", but one run is one libvirt"
                        + " connection (" + (connect != null ? connect : "the default URI") + "): run those domains with --connect " + f[0].strip());
            }
            out.add(f[f.length - 1].strip());
        }
        return out;
    }

    private static int firstContent(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (!l.isEmpty() && !l.startsWith("#")) {
                return i;
            }
        }
        return -1;
    }
}
