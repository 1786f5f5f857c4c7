package io.bootmedic.keys;

import java.nio.file.Path;

/** One key to try on a locked volume, and where it came from (the report's keySource). */
public sealed interface KeyCandidate {
    /** argument, key-file, bundle, collector, prompt. */
    String source();

    /** What to call this key when BitLocker refuses it, or null to let the refusal speak for itself. */
    String what();

    /** A 48-digit recovery password. */
    record Recovery(RecoveryPassword password, String source, String what) implements KeyCandidate {
    }

    /** A BitLocker user password (images only: the machine's own BitLocker is not given these). */
    record UserPassword(char[] password, String source) implements KeyCandidate {
        @Override
        public String what() {
            return null;
        }

        @Override
        public String toString() {
            return "UserPassword[" + source + "]"; // never the password
        }
    }

    /** A startup key file (.BEK). */
    record StartupKey(Path file, String source) implements KeyCandidate {
        @Override
        public String what() {
            return null;
        }
    }
}
