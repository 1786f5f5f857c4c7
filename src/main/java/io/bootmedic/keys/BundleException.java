package io.bootmedic.keys;

import java.io.IOException;

/** A key bundle that cannot be opened: wrong passphrase, tampering, or not a bundle. */
public class BundleException extends IOException {
    public BundleException(String message) {
        super(message);
    }
}
