package io.bootmedic.osrepair.win32;

import io.bootmedic.osrepair.OsRepairs;
import io.bootmedic.platform.LocalVolumePorts;
import io.bootmedic.platform.ProcessCommandRunner;
import io.bootmedic.platform.windows.WindowsPlatform;
import io.bootmedic.remediation.Repairs;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/** The Repairs a target on Windows uses: Windows' registry API, dism.exe and bcdedit, wired for this machine. */
public final class WindowsRoute {
    private WindowsRoute() {
    }

    /**
     * @param ports    this machine's volumes and mount points (to find the EFI system partition from WinPE), asked when needed
     * @param ownDrive WinPE's %SystemDrive% (X:), never searched for a boot configuration; may be null
     */
    public static Repairs repairs(Supplier<LocalVolumePorts> ports, String ownDrive) {
        return new OsRepairs(new Advapi32Registry(), new ProcessCommandRunner(WindowsPlatform.oemCharset()),
                new MachineBcdStoreFinder(ports, ownDrive), runningWindows(System.getenv()));
    }

    /**
     * The root of the Windows this process runs on (C:\ in safe mode); null in WinPE and WinRE, which run from X:, a
     * RAM disk no installed Windows is on.
     */
    static Path runningWindows(Map<String, String> env) {
        String root = env.getOrDefault("SystemRoot", env.get("SYSTEMROOT"));
        if (root == null || root.length() < 3 || root.toUpperCase(Locale.ROOT).startsWith("X:")) {
            return null;
        }
        return Path.of(root.substring(0, 3));
    }
}
