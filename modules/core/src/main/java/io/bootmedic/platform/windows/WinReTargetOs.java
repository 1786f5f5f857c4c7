package io.bootmedic.platform.windows;

import java.io.IOException;
import java.util.List;

/**
 * Which Windows a running WinRE was started for, from the machine's own boot configuration
 * (WinRE is started by the machine's boot manager, so bcdedit's system store is the machine's):
 * {@code {current}} is the running WinRE's entry, and the OS loader whose {@code recoverysequence}
 * names it is the Windows it recovers; that loader's {@code osdevice} is the volume. Two loaders
 * sharing one WinRE are told apart by the boot manager's {@code default}. Pure, tested on recorded
 * bcdedit output.
 */
final class WinReTargetOs {
    private WinReTargetOs() {
    }

    /**
     * @param currentV output of {@code bcdedit /enum {current} /v}
     * @param allV     output of {@code bcdedit /enum all /v}
     * @return "C:" or "\Device\HarddiskVolumeN"
     */
    static String osDevice(String currentV, String allV) throws IOException {
        List<BcdEnum.Entry> current = BcdEnum.parse(currentV);
        if (current.size() != 1 || !current.get(0).isWinPe()) {
            throw new IOException("bcdedit's {current} is not a recovery environment entry, so this is not WinRE started by this machine");
        }
        String winre = current.get(0).identifier();
        List<BcdEnum.Entry> all = BcdEnum.parse(allV);
        List<BcdEnum.Entry> loaders = all.stream()
                .filter(e -> e.has("osdevice") && !e.isWinPe() && winre.equalsIgnoreCase(e.value("recoverysequence"))).toList();
        if (loaders.size() > 1) {
            String def = all.stream().filter(e -> e.has("default") && e.has("displayorder")).map(e -> e.value("default")).findFirst().orElse(null);
            loaders = loaders.stream().filter(e -> e.identifier().equalsIgnoreCase(def)).toList();
        }
        if (loaders.size() != 1) {
            throw new IOException("the boot configuration names no single Windows whose recovery is " + winre);
        }
        return device(loaders.get(0).value("osdevice"));
    }

    /** "partition=C:" → "C:"; "partition=\Device\HarddiskVolume3" → that path; anything else (unknown, boot, locate) is not a volume. */
    static String device(String osdevice) throws IOException {
        String v = osdevice == null ? "" : osdevice.strip();
        if (v.regionMatches(true, 0, "partition=", 0, 10)) {
            String d = v.substring(10);
            if (d.matches("(?i)[A-Z]:") || d.matches("(?i)\\\\Device\\\\HarddiskVolume\\d{1,4}")) {
                return d;
            }
        }
        throw new IOException("the boot configuration's osdevice is '" + v + "', which names no volume");
    }
}
