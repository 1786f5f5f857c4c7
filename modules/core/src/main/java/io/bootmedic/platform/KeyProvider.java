package io.bootmedic.platform;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The keys to try on a locked volume (argument, key file, bundle, collector, prompt: the keys
 * branch decides the order). Candidates are produced one at a time, so a collector is asked, or a
 * person prompted, only after every earlier key was refused by BitLocker as the wrong one.
 */
@FunctionalInterface
public interface KeyProvider {

    /** The candidates for one volume, in order; each call of {@code next()} may do I/O. */
    @FunctionalInterface
    interface Candidates {
        /** The next key to try, or empty when there is none left. */
        Optional<RecoveryPasswordOrBek> next() throws IOException;
    }

    /**
     * @param keyIdGuid         the recovery-password protector ID, {@code {XXXXXXXX-...}}, null when unknown
     * @param volumeDescription what to show a person who is asked to type the key
     */
    Candidates candidates(String keyIdGuid, String volumeDescription);

    /** The first candidate only (for callers that need one key). */
    default Optional<RecoveryPasswordOrBek> keyFor(String keyIdGuid, String volumeDescription) throws IOException {
        return candidates(keyIdGuid, volumeDescription).next();
    }

    /** No key anywhere: every BitLocker volume stays locked and is reported as such. */
    KeyProvider NONE = (keyId, description) -> Optional::empty;

    /** A fixed list of keys, offered in order to every volume (each volume gets its own copy: a used .BEK copy is wiped). */
    static KeyProvider of(List<RecoveryPasswordOrBek> keys) {
        return (keyId, description) -> {
            java.util.Iterator<RecoveryPasswordOrBek> it = keys.iterator();
            return () -> {
                if (!it.hasNext()) {
                    return Optional.empty();
                }
                RecoveryPasswordOrBek k = it.next();
                return Optional.of(k.isPassword() ? RecoveryPasswordOrBek.password(k.password(), k.source())
                        : RecoveryPasswordOrBek.bek(k.bekBytes(), k.source()));
            };
        };
    }
}
