package io.bootmedic.remediation;

import io.bootmedic.fs.FileTree;
import io.bootmedic.report.Diagnosis;

import java.io.IOException;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Reads, without changing anything, why a Windows volume's machine does not boot (crash dumps, pending updates,
 * dirty hives). The engine knows only this seam; io.bootmedic.diagnosis provides it (META-INF/services), so the
 * engine does not depend on the registry reader that the diagnosis uses.
 */
public interface Diagnoser {
    /**
     * @param driveLetter the letter WinPE shows this volume under ("C"), for the commands the diagnosis suggests, or null
     * @param notes       where a part that could not be read says so (one line each), for the volume's notes
     */
    Diagnosis diagnose(FileTree tree, String driveLetter, List<String> notes) throws IOException;

    /** The one on the class path, or one that diagnoses nothing (a build without the diagnosis package). */
    static Diagnoser load() {
        return ServiceLoader.load(Diagnoser.class, Diagnoser.class.getClassLoader()).findFirst().orElse((tree, letter, notes) -> null);
    }
}
