package io.bootmedic.platform.windows;

import com.sun.jna.platform.win32.COM.Wbemcli;
import io.bootmedic.platform.BitLockerControlException;
import io.bootmedic.platform.MachineIdentity;
import io.bootmedic.platform.SmbiosFacts;
import io.bootmedic.platform.SmbiosTable;

import java.util.List;

/**
 * SMBIOS facts: from the raw table (GetSystemFirmwareTable 'RSMB', decoded as Linux decodes it, so
 * the UUID matches what a Linux rescue VM reports), else through WMI ROOT\CIMV2 (WinPE without
 * WinPE-WMI has no WMI; a broken table has no facts). Any failure leaves the value null.
 */
public final class WmiMachineIdentity {
    private WmiMachineIdentity() {
    }

    public static MachineIdentity read() {
        try {
            byte[] raw = Kernel32Extra.rawSmbios(Kernel32Extra.load());
            if (raw != null) {
                return SmbiosTable.parse(raw);
            }
        } catch (java.io.IOException | RuntimeException | LinkageError e) {
            // fall back to WMI (LinkageError: JNA's DLL missing from the payload; WMI then fails the same way, said by the caller)
        }
        return fromWmi();
    }

    private static MachineIdentity fromWmi() {
        try (WmiSession wmi = WmiSession.connect("ROOT\\CIMV2")) {
            return new SmbiosFacts(
                    first(wmi, "SELECT Manufacturer FROM Win32_ComputerSystem", "Manufacturer"),
                    first(wmi, "SELECT Model FROM Win32_ComputerSystem", "Model"),
                    first(wmi, "SELECT SMBIOSBIOSVersion FROM Win32_BIOS", "SMBIOSBIOSVersion"),
                    first(wmi, "SELECT SerialNumber FROM Win32_BIOS", "SerialNumber"),
                    first(wmi, "SELECT UUID FROM Win32_ComputerSystemProduct", "UUID"),
                    first(wmi, "SELECT SMBIOSAssetTag FROM Win32_SystemEnclosure", "SMBIOSAssetTag"));
        } catch (Exception | LinkageError e) {
            return MachineIdentity.UNKNOWN;
        }
    }

    private static String first(WmiSession wmi, String wql, String property) throws BitLockerControlException {
        List<Wbemcli.IWbemClassObject> rows = wmi.query(wql);
        try {
            return rows.isEmpty() ? null : WmiSession.getString(rows.get(0), property);
        } catch (Exception e) {
            return null;
        } finally {
            rows.forEach(Wbemcli.IWbemClassObject::Release);
        }
    }
}
