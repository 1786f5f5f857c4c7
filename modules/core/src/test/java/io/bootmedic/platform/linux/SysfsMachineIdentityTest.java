package io.bootmedic.platform.linux;

import io.bootmedic.platform.MachineIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SysfsMachineIdentityTest {
    @TempDir
    Path dmi;

    void put(String name, String value) throws IOException {
        Files.writeString(dmi.resolve(name), value + "\n");
    }

    @Test
    void azureVmFromSysfsLayout() throws IOException {
        put("sys_vendor", "Microsoft Corporation");
        put("product_name", "Virtual Machine");
        put("bios_version", "Hyper-V UEFI Release v4.1");
        put("product_serial", "0000-0016-9282-4581-3562-3447-54");
        put("product_uuid", "6f7c0c2e-9a2b-4d3f-8e6d-1a2b3c4d5e6f");
        put("chassis_asset_tag", "7783-7084-3265-9085-8269-3286-77");
        MachineIdentity id = SysfsMachineIdentity.read(dmi);
        assertEquals("0000-0016-9282-4581-3562-3447-54", id.biosSerial());
        assertEquals("6F7C0C2E-9A2B-4D3F-8E6D-1A2B3C4D5E6F", id.hypervisorVmId());
    }

    @Test
    void unreadableFilesGiveNullNotAnError() throws IOException {
        put("sys_vendor", "Dell Inc.");
        // product_serial and product_uuid missing: what a non-root user sees
        MachineIdentity id = SysfsMachineIdentity.read(dmi);
        assertNull(id.biosSerial());
        assertNull(id.hypervisorVmId());
        assertNull(SysfsMachineIdentity.field(dmi.resolve("nowhere"), "sys_vendor"));
    }

    @Test
    void emptyOrHugeValuesAreIgnored() throws IOException {
        Files.writeString(dmi.resolve("product_serial"), "");
        assertNull(SysfsMachineIdentity.field(dmi, "product_serial"));
        Files.writeString(dmi.resolve("product_serial"), "x".repeat(4096));
        assertNull(SysfsMachineIdentity.field(dmi, "product_serial"));
    }

    @Test
    void thisMachineDoesNotThrow() {
        // real sysfs: values depend on the host and on root rights, but reading must never fail
        MachineIdentity id = SysfsMachineIdentity.read(SysfsMachineIdentity.DMI);
        id.toHost();
    }
}
