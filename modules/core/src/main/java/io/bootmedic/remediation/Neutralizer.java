package io.bootmedic.remediation;

import java.io.IOException;
import java.util.List;

/**
 * Makes a faulty file harmless without changing file-system metadata: for volumes that Windows
 * did not shut down cleanly, where only the file's own data clusters may be touched. The bytes
 * are kept on the host first, so the change can be undone.
 */
public interface Neutralizer {

    /** Neutralizes each file; one result per finding, in order. */
    List<ActionResult> neutralize(String runId, List<Finding> faulty) throws IOException;

    /** Puts back what {@code runId} (or the newest run, when null) neutralized on this volume. */
    Undo.Result undo(String runId) throws IOException;
}
