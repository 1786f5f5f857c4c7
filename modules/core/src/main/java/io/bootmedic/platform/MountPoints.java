package io.bootmedic.platform;

import java.io.IOException;
import java.nio.file.Path;

/** Gives a letterless volume a temporary mount point so java.nio can reach its files. */
public interface MountPoints {

    /** Mounts {@code volume} somewhere temporary; closing the result removes that mount point again. */
    TemporaryMount mount(VolumeInfo volume) throws IOException;

    /** A mount point that exists until closed. */
    interface TemporaryMount extends AutoCloseable {
        Path path();

        @Override
        void close() throws IOException;
    }
}
