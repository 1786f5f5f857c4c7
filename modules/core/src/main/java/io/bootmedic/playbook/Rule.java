package io.bootmedic.playbook;

import io.bootmedic.fs.RelPath;

import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;

/**
 * One rule of a playbook: which files in which directory are candidates, how a faulty one is told
 * apart from a good one, and what to do with it.
 *
 * @param header         bytes a real file of this kind starts with; files without them are
 *                       "not-a-channel-file" (e.g. the zero-filled leftovers of crashes)
 * @param modifiedBefore files with this header modified before this instant are faulty, later ones are the
 *                       reverted good version; null means every file with the header is faulty
 * @param modifiedAfter  optional lower bound of the faulty window
 */
public record Rule(String id, RelPath directory, String glob, byte[] header, Instant modifiedBefore, Instant modifiedAfter, Action action) {

    public enum Action {
        QUARANTINE;

        public static Action parse(String text) {
            if ("quarantine".equals(text)) {
                return QUARANTINE;
            }
            throw new IllegalArgumentException("unknown action '" + text + "' (known: quarantine, disable-service, remove-filter, set-registry, "
                    + "safe-mode, boot-status-policy, revert-pending-updates, remove-package)");
        }
    }

    /** Case-insensitive, like NTFS names: '*' any run of characters, '?' one character (linear-time, see {@link Glob}). */
    public boolean matchesName(String name) {
        return Glob.matches(glob, name);
    }

    public String describe() {
        return directory + "/" + glob;
    }

    @Override
    public String toString() {
        return "Rule[" + id + " " + describe() + " header=" + HexFormat.of().formatHex(header).toUpperCase(Locale.ROOT)
                + " before=" + modifiedBefore + " after=" + modifiedAfter + " " + action + "]";
    }
}
