package io.bootmedic.platform;

import io.bootmedic.format.FormatException;
import io.bootmedic.format.LeBytes;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads the machine's identity from the raw SMBIOS table, as Windows hands it out through
 * {@code GetSystemFirmwareTable('RSMB')} (a RawSMBIOSData header, then the structures). Only
 * types 0 (BIOS), 1 (system) and 3 (chassis) are read. The UUID is decoded the way the Linux
 * kernel decodes {@code /sys/class/dmi/id/product_uuid} (SMBIOS 2.6 and later store its first
 * three fields little-endian, earlier versions big-endian), so Windows and Linux name the same
 * VM the same. Every length comes from firmware and is checked before use.
 */
public final class SmbiosTable {
    /** RawSMBIOSData: calling method, major, minor, DMI revision, DWORD length. */
    private static final int RAW_HEADER = 8;
    private static final int MAX_TABLE = 1 << 20;

    private SmbiosTable() {
    }

    /** The facts in {@code raw}; fields the table lacks are null. */
    public static SmbiosFacts parse(byte[] raw) throws FormatException {
        LeBytes header = LeBytes.of(raw, "the SMBIOS table");
        int major = header.u8(1);
        int minor = header.u8(2);
        long length = header.u32(4);
        if (length > MAX_TABLE || length > raw.length - RAW_HEADER) {
            throw new FormatException("the SMBIOS table claims " + length + " bytes but " + (raw.length - RAW_HEADER) + " were returned");
        }
        LeBytes table = header.slice(RAW_HEADER, length, "structures");
        boolean uuidLittleEndian = major > 2 || (major == 2 && minor >= 6);
        String manufacturer = null;
        String product = null;
        String serial = null;
        String uuid = null;
        String biosVersion = null;
        String assetTag = null;
        long at = 0;
        while (at + 4 <= table.length()) {
            int type = table.u8(at);
            int len = table.u8(at + 1);
            if (len < 4) {
                throw new FormatException("SMBIOS structure of type " + type + " at offset " + at + " has an impossible length " + len);
            }
            LeBytes formatted = table.slice(at, len, "structure type " + type);
            long strings = at + len;
            long end = endOfStrings(table, strings);
            if (type == 0 && len > 5) {
                biosVersion = string(table, strings, end, formatted.u8(5));
            } else if (type == 1 && len > 7) {
                manufacturer = string(table, strings, end, formatted.u8(4));
                product = string(table, strings, end, formatted.u8(5));
                serial = string(table, strings, end, formatted.u8(7));
                if (len >= 24) {
                    uuid = uuid(formatted.bytes(8, 16), uuidLittleEndian);
                }
            } else if (type == 3 && len > 8) {
                assetTag = string(table, strings, end, formatted.u8(8));
            } else if (type == 127) {
                break; // end of table
            }
            at = end;
        }
        return new SmbiosFacts(manufacturer, product, biosVersion, serial, uuid, assetTag);
    }

    /** Offset just past the double NUL that ends a structure's string set. */
    private static long endOfStrings(LeBytes table, long from) throws FormatException {
        long i = from;
        while (i + 1 < table.length()) {
            if (table.u8(i) == 0 && table.u8(i + 1) == 0) {
                return i + 2;
            }
            i++;
        }
        throw new FormatException("an SMBIOS structure's strings run past the end of the table");
    }

    /** String number {@code n} (1-based) of the set between {@code from} and {@code end}; null for 0 or a missing one. */
    private static String string(LeBytes table, long from, long end, int n) throws FormatException {
        if (n == 0) {
            return null;
        }
        long start = from;
        int index = 1;
        for (long i = from; i < end - 1; i++) {
            if (table.u8(i) == 0) {
                if (index == n) {
                    return new String(table.bytes(start, i - start), StandardCharsets.ISO_8859_1).strip();
                }
                index++;
                start = i + 1;
            }
        }
        return null;
    }

    /** Null when the firmware says "not present" (all 0x00) or "not set" (all 0xFF). */
    static String uuid(byte[] b, boolean littleEndian) {
        boolean zero = true;
        boolean ff = true;
        for (byte x : b) {
            zero &= x == 0;
            ff &= x == (byte) 0xFF;
        }
        if (zero || ff) {
            return null;
        }
        int[] order = littleEndian ? new int[] {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15}
                : new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        StringBuilder s = new StringBuilder(36);
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                s.append('-');
            }
            s.append(String.format(Locale.ROOT, "%02X", b[order[i]] & 0xFF));
        }
        return s.toString();
    }
}
