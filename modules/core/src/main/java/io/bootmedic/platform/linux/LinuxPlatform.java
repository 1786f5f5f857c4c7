package io.bootmedic.platform.linux;

import io.bootmedic.platform.LocalVolumePorts;
import io.bootmedic.platform.MachineIdentity;
import io.bootmedic.platform.Platform;

import java.util.function.Consumer;

/** Linux hosts repair Windows disks offline (--image/--device); only the machine identity is platform work here. */
public final class LinuxPlatform implements Platform {
    @Override
    public String name() {
        return "linux";
    }

    @Override
    public MachineIdentity machineIdentity() {
        return SysfsMachineIdentity.read(SysfsMachineIdentity.DMI);
    }

    @Override
    public LocalVolumePorts localVolumes(Consumer<String> progress) {
        throw new UnsupportedOperationException("--all works on Windows (WinPE or safe mode). On Linux, name the disk: "
                + "--device /dev/sdX, or --image FILE");
    }
}
