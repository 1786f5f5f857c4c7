package io.bootmedic.keys;

/**
 * One escrowed recovery key.
 *
 * @param host   the computer it belongs to, when the export says so
 * @param source where it was read from ("keys.csv line 12"), for lookups and audits
 */
public record KeyRecord(KeyId id, RecoveryPassword password, String host, String source) {
    /** How the sources of keys carried in an encrypted bundle start. */
    public static final String BUNDLE_SOURCE_PREFIX = "bundle ";

    /** The report's keySource for this key: "bundle" when it came out of a key bundle, else "key-file". */
    public String keySource() {
        return source != null && source.startsWith(BUNDLE_SOURCE_PREFIX) ? "bundle" : "key-file";
    }

    @Override
    public String toString() {
        return "KeyRecord[" + id.display() + " host=" + host + " from " + source + "]";
    }
}
