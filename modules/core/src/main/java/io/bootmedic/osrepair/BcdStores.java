package io.bootmedic.osrepair;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the boot configuration stores of this machine's disks are, seen from WinPE (whose own system store is the
 * stick's): every {@code \EFI\Microsoft\Boot\BCD} (UEFI, on an EFI system partition mounted for the look) and
 * {@code \Boot\BCD} (BIOS). {@link BcdRepairs} picks the one whose {@code {default}} boots the Windows being repaired.
 * Closing releases the mount points made to look.
 */
public interface BcdStores {

    Found find() throws IOException;

    /** The stores found; {@link #close()} removes the temporary mount points. */
    interface Found extends Closeable {
        List<Path> stores();
    }
}
