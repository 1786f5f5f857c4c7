package io.bootmedic.diagnosis;

import io.bootmedic.format.ErrorWords;
import io.bootmedic.format.Printable;
import io.bootmedic.fs.EntryType;
import io.bootmedic.fs.FileStat;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.report.Diagnosis;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Servicing operations Windows carries out at the next boot. {@code Windows\WinSxS\pending.xml} is what marks them (it
 * is what {@code DISM /RevertPendingActions} discards); the packages involved are read from the registry paths it
 * names ({@code ...\Component Based Servicing\Packages\<identity>}) and from the sessions in
 * {@code Windows\servicing\Sessions\Sessions.xml} that did not reach "Complete".
 */
public final class PendingUpdates {
    static final RelPath PENDING_XML = RelPath.of("Windows/WinSxS/pending.xml");
    static final RelPath SESSIONS_XML = RelPath.of("Windows/servicing/Sessions/Sessions.xml");
    static final int MAX_PACKAGES = 64;
    private static final String PACKAGES_KEY = "component based servicing\\packages\\";

    private PendingUpdates() {
    }

    /**
     * What is pending, or null when nothing is.
     *
     * @param driveLetter the letter WinPE shows the volume under, or null ("&lt;letter&gt;" in the command then)
     * @param notes       where lines about files that could not be read fully go
     */
    public static Diagnosis.PendingUpdates read(FileTree tree, String driveLetter, List<String> notes) throws IOException {
        Optional<RelPath> pending = SafePaths.resolve(tree, PENDING_XML);
        if (pending.isEmpty()) {
            return null;
        }
        List<String> evidence = new ArrayList<>(List.of(pending.get().toString()));
        Set<String> packages = new LinkedHashSet<>();
        if (isFile(tree, pending.get())) {
            note(notes, ServicingXml.scan(tree, pending.get(), pendingVisitor(packages)));
        }
        try {
            Optional<RelPath> sessions = SafePaths.resolve(tree, SESSIONS_XML);
            if (sessions.isPresent() && isFile(tree, sessions.get())) {
                int before = packages.size();
                note(notes, ServicingXml.scan(tree, sessions.get(), new SessionVisitor(packages)));
                if (packages.size() > before) {
                    evidence.add(sessions.get().toString());
                }
            }
        } catch (IOException e) { // Sessions.xml only names packages: what pending.xml showed stands
            notes.add(SESSIONS_XML + " not read: " + ErrorWords.message(e));
        }
        return new Diagnosis.PendingUpdates(true, evidence, List.copyOf(packages), revertCommand(driveLetter));
    }

    /** What reverts them, typed in WinPE: DISM's offline servicing of the image at the volume's root. */
    public static String revertCommand(String driveLetter) {
        return "DISM /Image:" + (driveLetter == null ? "<letter>" : driveLetter) + ":\\ /Cleanup-Image /RevertPendingActions";
    }

    private static boolean isFile(FileTree tree, RelPath path) throws IOException {
        return tree.stat(path).map(FileStat::type).orElse(EntryType.OTHER) == EntryType.FILE;
    }

    private static void note(List<String> notes, String line) {
        if (line != null) {
            notes.add(line);
        }
    }

    /**
     * The packages a servicing file names, read from {@code xml} (at most {@link ServicingXml#MAX_BYTES} of it) into
     * {@code packages}: pending.xml's registry paths, or (when {@code sessionsFile}) Sessions.xml's unfinished sessions.
     *
     * @return null when the file was read to its end, else one line (naming {@code name}) saying where it stopped
     */
    public static String packagesIn(java.io.InputStream xml, String name, boolean sessionsFile, Set<String> packages) {
        return ServicingXml.scan(new ServicingXml.Limited(xml), name, sessionsFile ? new SessionVisitor(packages) : pendingVisitor(packages));
    }

    /** Collects the packages pending.xml's registry operations name. */
    static ServicingXml.Visitor pendingVisitor(Set<String> packages) {
        return (name, attributes) -> {
            attributes.values().forEach(v -> packageInPath(v, packages));
            return packages.size() < MAX_PACKAGES;
        };
    }

    /** The package identity after "...\Component Based Servicing\Packages\" in a registry path, if any. */
    static void packageInPath(String value, Set<String> packages) {
        String lower = value.toLowerCase(Locale.ROOT);
        int at = lower.indexOf(PACKAGES_KEY);
        if (at < 0 || packages.size() >= MAX_PACKAGES) {
            return;
        }
        String rest = value.substring(at + PACKAGES_KEY.length());
        int end = rest.indexOf('\\');
        addIdentity(end < 0 ? rest : rest.substring(0, end), packages);
    }

    /** "Package_for_RollupFix~31bf3856ad364e35~amd64~~19041.4651.1.7": a name, key token, architecture, language, version. */
    static void addIdentity(String id, Set<String> packages) {
        if (packages.size() < MAX_PACKAGES && id.length() <= 256 && id.split("~", -1).length == 5) {
            packages.add(Printable.of(id));
        }
    }

    /** Collects the packages of each {@code <Session>} whose lastSuccessfulState is not "Complete" and that did not fail. */
    static final class SessionVisitor implements ServicingXml.Visitor {
        private final Set<String> packages;
        private boolean open;

        SessionVisitor(Set<String> packages) {
            this.packages = packages;
        }

        @Override
        public boolean element(String name, Map<String, String> attributes) {
            if (name.equalsIgnoreCase("Session")) {
                String state = attributes.getOrDefault("lastSuccessfulState", "");
                String status = attributes.getOrDefault("status", "0x0");
                open = !state.equalsIgnoreCase("Complete") && status.equalsIgnoreCase("0x0");
            } else if (open && name.equalsIgnoreCase("package") && attributes.containsKey("id")) {
                addIdentity(attributes.get("id"), packages);
            }
            return packages.size() < MAX_PACKAGES;
        }
    }
}
