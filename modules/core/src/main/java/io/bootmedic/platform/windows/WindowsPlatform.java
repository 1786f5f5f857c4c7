package io.bootmedic.platform.windows;

import com.sun.jna.platform.win32.Kernel32;
import io.bootmedic.platform.BitLockerControl;
import io.bootmedic.platform.BitLockerControlException;
import io.bootmedic.platform.LocalVolumePorts;
import io.bootmedic.platform.MachineIdentity;
import io.bootmedic.platform.OemCodePage;
import io.bootmedic.platform.Platform;
import io.bootmedic.platform.ProcessCommandRunner;
import io.bootmedic.platform.RecoveryTarget;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Wires the JNA/WMI implementations; WinPE's RAM disk X: holds the temporary mount points and key files. */
public final class WindowsPlatform implements Platform {
    private final Path work;

    public WindowsPlatform() {
        this.work = Path.of(System.getenv().getOrDefault("TEMP", "X:\\Windows\\Temp"), "bootmedic");
    }

    @Override
    public String name() {
        return "windows";
    }

    @Override
    public MachineIdentity machineIdentity() {
        return WmiMachineIdentity.read();
    }

    @Override
    public LocalVolumePorts localVolumes(Consumer<String> progress) {
        Kernel32 k32 = Kernel32.INSTANCE;
        BitLockerControl wmi = null;
        if ("manage-bde".equalsIgnoreCase(System.getenv("BOOTMEDIC_BITLOCKER_CONTROL"))) {
            // the self-test of the fallback on complete media (bootmedic.cmd sets it from a marker file)
            progress.accept("BOOTMEDIC_BITLOCKER_CONTROL=manage-bde: using manage-bde, not WMI.");
        } else {
            try {
                wmi = WmiBitLockerControl.connect(work);
            } catch (BitLockerControlException | RuntimeException | LinkageError e) {
                progress.accept("BitLocker WMI is not available (" + e.getMessage() + "); using manage-bde.");
            }
        }
        // manage-bde writes in the OEM code page (437 US, 850 Western Europe, ...): ask Windows which
        Charset oem = oemCharset();
        BitLockerControl manageBde = new ManageBdeBitLockerControl(new ProcessCommandRunner(oem), "manage-bde.exe", work);
        BitLockerControl bitLocker = new FallbackBitLockerControl(wmi, manageBde, progress);
        Win32RawVolumeReader raw = new Win32RawVolumeReader(k32);
        return new LocalVolumePorts(new Win32VolumeEnumerator(k32, raw), new Win32MountPoints(k32), bitLocker, raw);
    }

    @Override
    public void checkNativeCode() {
        Kernel32.INSTANCE.GetCurrentProcessId();
    }

    @Override
    public RecoveryTarget recoveryTarget() {
        return new BcdRecoveryTarget(new ProcessCommandRunner(oemCharset()));
    }

    /** The console's OEM code page, in which manage-bde and bcdedit write to a pipe; 437 when Windows cannot be asked. */
    public static Charset oemCharset() {
        try {
            return OemCodePage.forCodePage(Kernel32Extra.load().GetOEMCP());
        } catch (RuntimeException | LinkageError e) {
            return OemCodePage.forCodePage(437);
        }
    }
}
