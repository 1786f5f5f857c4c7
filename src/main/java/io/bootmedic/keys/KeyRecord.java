package io.bootmedic.keys;

/**
 * One escrowed recovery key.
 *
 * @param host   the computer it belongs to, when the export says so
 * @param source where it was read from ("keys.csv line 12"), for lookups and audits
 */
public record KeyRecord(KeyId id, RecoveryPassword password, String host, String source) {
    @Override
    public String toString() {
        return "KeyRecord[" + id.display() + " host=" + host + " from " + source + "]";
    }
}
