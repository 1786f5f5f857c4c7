package io.bootmedic.image.block;


/** A disk image or partition table that is damaged or of an unsupported kind; nothing was written. */
public class ImageFormatException extends io.bootmedic.format.FormatException {
    public ImageFormatException(String message) {
        super(message);
    }
}
