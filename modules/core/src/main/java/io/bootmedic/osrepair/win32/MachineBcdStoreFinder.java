package io.bootmedic.osrepair.win32;

import io.bootmedic.osrepair.BcdStores;
import io.bootmedic.platform.LocalVolumePorts;
import io.bootmedic.platform.windows.MachineBcdStores;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@link BcdStores} from WinPE: every fixed volume (the EFI system partition has no drive letter: it gets a temporary
 * mount point, as {@code mountvol} would give it), skipping WinPE's own drive and boot media, held mounted until the
 * repairs are done.
 */
public final class MachineBcdStoreFinder implements BcdStores {
    private final Supplier<LocalVolumePorts> ports;
    private final String ownDrive;

    /** @param ports asked only when a boot configuration rule is to be applied from WinPE */
    public MachineBcdStoreFinder(Supplier<LocalVolumePorts> ports, String ownDrive) {
        this.ports = ports;
        this.ownDrive = ownDrive;
    }

    @Override
    public Found find() throws IOException {
        LocalVolumePorts p;
        try {
            p = ports.get();
        } catch (RuntimeException | LinkageError e) {
            // the platform's native code missing, or no volume ports: said in the rule's report line, the run goes on
            throw new IOException("this machine's disks could not be listed (" + e.getMessage() + ")", e);
        }
        MachineBcdStores stores = new MachineBcdStores(p.volumes(), p.mounts(), ownDrive);
        List<Path> found;
        try {
            found = stores.find(line -> { });
        } catch (IOException | RuntimeException e) {
            stores.close();
            throw e;
        }
        return new Found() {
            @Override
            public List<Path> stores() {
                return found;
            }

            @Override
            public void close() throws IOException {
                stores.close();
            }
        };
    }
}
