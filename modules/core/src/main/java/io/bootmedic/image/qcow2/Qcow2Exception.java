package io.bootmedic.image.qcow2;

import io.bootmedic.image.block.ImageFormatException;

/** A qcow2 image that is damaged, or uses a feature bootmedic does not handle; nothing was written. */
public final class Qcow2Exception extends ImageFormatException {
    public Qcow2Exception(String message) {
        super(message);
    }
}
