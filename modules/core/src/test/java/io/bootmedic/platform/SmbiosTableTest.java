package io.bootmedic.platform;

import io.bootmedic.format.FormatException;
import io.bootmedic.testutil.Hostile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The raw SMBIOS table as GetSystemFirmwareTable('RSMB') returns it, laid out per DMTF DSP0134,
 * judged by the real dmidecode (--from-dump), which decodes the UUID exactly as the Linux kernel does.
 */
class SmbiosTableTest {
    static final byte[] UUID_BYTES = {0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, (byte) 0x88, (byte) 0x99,
            (byte) 0xAA, (byte) 0xBB, (byte) 0xCC, (byte) 0xDD, (byte) 0xEE, (byte) 0xFF};

    @TempDir
    Path tmp;

    /** Type 0, 1, 3 and 127, as a Hyper-V guest's firmware lays them out. */
    static byte[] structures() {
        ByteArrayOutputStream t = new ByteArrayOutputStream();
        // type 0 BIOS: vendor #1, version #2, release date #3
        write(t, new byte[] {0, 0x18, 0, 0, 1, 2, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "Microsoft Corporation", "Hyper-V UEFI Release v4.1", "04/06/2022");
        // type 1 system: manufacturer #1, product #2, version #3, serial #4, UUID, wake-up, SKU #5, family #6
        byte[] sys = new byte[0x1B];
        sys[0] = 1;
        sys[1] = 0x1B;
        sys[2] = 1;
        sys[4] = 1;
        sys[5] = 2;
        sys[6] = 3;
        sys[7] = 4;
        System.arraycopy(UUID_BYTES, 0, sys, 8, 16);
        sys[24] = 6;
        sys[25] = 5;
        sys[26] = 6;
        write(t, sys, "Microsoft Corporation", "Virtual Machine", "Hyper-V UEFI Release v4.1", "0000-0015-9563-7823-6117-7612-83", "None", "Virtual Machine");
        // type 3 chassis: manufacturer #1, type, version #2, serial #3, asset tag #4
        write(t, new byte[] {3, 0x0D, 2, 0, 1, 3, 2, 3, 4, 3, 3, 3, 2}, "Microsoft Corporation", "Hyper-V UEFI Release v4.1",
                "0000-0015-9563-7823-6117-7612-83", SmbiosFacts.AZURE_ASSET_TAG);
        write(t, new byte[] {127, 4, 3, 0});
        return t.toByteArray();
    }

    private static void write(ByteArrayOutputStream t, byte[] formatted, String... strings) {
        t.writeBytes(formatted);
        for (String s : strings) {
            t.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            t.write(0);
        }
        if (strings.length == 0) {
            t.write(0);
        }
        t.write(0);
    }

    /** RawSMBIOSData: Used20CallingMethod, major, minor, DmiRevision, DWORD length, then the structures. */
    static byte[] rsmb(int major, int minor, byte[] table) {
        byte[] raw = new byte[8 + table.length];
        raw[1] = (byte) major;
        raw[2] = (byte) minor;
        raw[4] = (byte) table.length;
        raw[5] = (byte) (table.length >> 8);
        System.arraycopy(table, 0, raw, 8, table.length);
        return raw;
    }

    /** What dmidecode --dump-bin writes: a 2.x entry point at 0 whose table address is 0x20, the table at 0x20. */
    static byte[] dump(int major, int minor, byte[] table) {
        byte[] f = new byte[0x20 + table.length];
        System.arraycopy("_SM_".getBytes(StandardCharsets.US_ASCII), 0, f, 0, 4);
        f[5] = 0x1F;
        f[6] = (byte) major;
        f[7] = (byte) minor;
        f[8] = 0x40;
        System.arraycopy("_DMI_".getBytes(StandardCharsets.US_ASCII), 0, f, 0x10, 5);
        f[0x16] = (byte) table.length;
        f[0x17] = (byte) (table.length >> 8);
        f[0x18] = 0x20;
        f[0x1C] = 4; // number of structures
        f[0x1E] = (byte) (major << 4 | minor);
        f[0x15] = checksum(f, 0x10, 0x1F);
        f[4] = checksum(f, 0, 0x1F);
        System.arraycopy(table, 0, f, 0x20, table.length);
        return f;
    }

    private static byte checksum(byte[] b, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += b[i] & 0xFF;
        }
        return (byte) -sum;
    }

    private String dmidecode(byte[] dumpFile, String keyword) throws Exception {
        Path file = tmp.resolve("dmi.bin");
        Files.write(file, dumpFile);
        Process p = new ProcessBuilder("dmidecode", "--from-dump", file.toString(), "-s", keyword).redirectErrorStream(true).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String[] lines = out.split("\\R");
        return lines[lines.length - 1].strip();
    }

    @Test
    void uuidSerialAndVendorAgreeWithDmidecodeOnBothSidesOfSmbios26() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/dmidecode")), "dmidecode is not installed (scripts/setup-debian.sh installs it)");
        for (int[] version : new int[][] {{2, 5}, {2, 6}, {3, 4}}) {
            byte[] table = structures();
            SmbiosFacts facts = SmbiosTable.parse(rsmb(version[0], version[1], table));
            int major = Math.min(version[0], 2);
            int minor = version[0] > 2 ? 8 : version[1]; // a 2.x entry point for dmidecode; 3.x decodes as 2.6+
            byte[] file = dump(major, minor, table);
            assertEquals(dmidecode(file, "system-uuid").toUpperCase(), facts.uuid(), "SMBIOS " + version[0] + "." + version[1]);
            assertEquals(dmidecode(file, "system-serial-number"), facts.serial());
            assertEquals(dmidecode(file, "system-manufacturer"), facts.manufacturer());
            assertEquals(dmidecode(file, "system-product-name"), facts.productName());
            assertEquals(dmidecode(file, "bios-version"), facts.biosVersion());
            assertEquals(dmidecode(file, "chassis-asset-tag"), facts.chassisAssetTag());
        }
    }

    @Test
    void sinceSmbios26TheFirstThreeUuidFieldsAreLittleEndian() throws Exception {
        assertEquals("00112233-4455-6677-8899-AABBCCDDEEFF", SmbiosTable.parse(rsmb(2, 6, structures())).uuid());
        assertEquals("33221100-5544-7766-8899-AABBCCDDEEFF", SmbiosTable.parse(rsmb(2, 5, structures())).uuid());
        SmbiosFacts azure = SmbiosTable.parse(rsmb(3, 1, structures()));
        assertEquals("azure", azure.hypervisor());
        assertEquals("00112233-4455-6677-8899-AABBCCDDEEFF", azure.hypervisorVmId());
    }

    @Test
    void unsetUuidsAreAbsent() {
        assertNull(SmbiosTable.uuid(new byte[16], true));
        byte[] ff = new byte[16];
        Arrays.fill(ff, (byte) 0xFF);
        assertNull(SmbiosTable.uuid(ff, false));
    }

    @Test
    void aTableLongerThanWhatWindowsReturnedIsRefused() {
        byte[] raw = rsmb(3, 0, structures());
        raw[5] = 0x7F;
        FormatException e = assertThrows(FormatException.class, () -> SmbiosTable.parse(raw));
        assertTrue(e.getMessage().contains("claims"), e.getMessage());
        byte[] shortLength = rsmb(3, 0, structures());
        shortLength[8 + 1] = 2; // a structure shorter than its own header
        assertThrows(FormatException.class, () -> SmbiosTable.parse(shortLength));
    }

    /** Mutation: every byte zeroed, flipped and the table cut at every length; only FormatException may escape. */
    @Test
    void everyMutationParsesOrIsRefused() {
        byte[] good = rsmb(3, 0, structures());
        for (int i = 0; i < good.length; i++) {
            for (int mutation : new int[] {0x00, 0xFF, good[i] ^ 0x80}) {
                byte[] bad = good.clone();
                bad[i] = (byte) mutation;
                Hostile.parseOrRefuse(() -> SmbiosTable.parse(bad));
            }
        }
        for (int n = 0; n < good.length; n++) {
            byte[] cut = Arrays.copyOf(good, n);
            Hostile.parseOrRefuse(() -> SmbiosTable.parse(cut));
        }
    }
}
