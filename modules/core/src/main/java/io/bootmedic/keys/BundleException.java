package io.bootmedic.keys;

import io.bootmedic.format.FormatException;

/** A key bundle that cannot be opened: wrong passphrase, tampering, or not a bundle. */
public class BundleException extends FormatException {
    public BundleException(String message) {
        super(message);
    }
}
