package io.bootmedic.platform;

import java.io.IOException;
import java.util.Optional;

/** Finds the key for a locked volume (argument, key file, bundle, collector, prompt: the keys branch decides). */
public interface KeyProvider {

    /**
     * @param keyIdGuid         the recovery-password protector ID, {@code {XXXXXXXX-...}}, null when unknown
     * @param volumeDescription what to show a person who is asked to type the key
     */
    Optional<RecoveryPasswordOrBek> keyFor(String keyIdGuid, String volumeDescription) throws IOException;

    /** No key anywhere: every BitLocker volume stays locked and is reported as such. */
    KeyProvider NONE = (keyId, description) -> Optional.empty();
}
