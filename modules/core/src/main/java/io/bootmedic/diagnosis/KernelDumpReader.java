package io.bootmedic.diagnosis;

import io.bootmedic.format.LeBytes;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The header of a kernel crash dump ({@code DUMP_HEADER64} "PAGEDU64", {@code DUMP_HEADER32} "PAGEDUMP") and, for a
 * triage dump (Windows\Minidump), its driver list ({@code TRIAGE_DUMP} right after the header, {@code
 * DUMP_DRIVER_ENTRY} records whose names are {@code DUMP_STRING}s). Offsets as in dbgeng's dump headers (also in
 * Volatility's crash_vtypes and rizin's dmp_specs.h); docs/diagnosis.md lists which were checked on real dumps.
 */
final class KernelDumpReader {
    /** More drivers than any Windows loads; a larger count is a damaged header. */
    static final int MAX_DRIVERS = 4096;
    /** A module name longer than NTFS allows a path to be is a damaged string. */
    static final int MAX_NAME_CHARS = 1024;
    static final int DUMP_TYPE_FULL = 1;
    static final int DUMP_TYPE_SUMMARY = 2;
    static final int DUMP_TYPE_TRIAGE = 4;

    /** Where each field lies in one of the two header widths. */
    record Layout(int headerSize, int bugCheck, int parameters, int parameterWidth, int dumpType, int systemTime, int driverEntrySize,
                  int dllBase, int sizeOfImage) {
    }

    static final Layout HEADER64 = new Layout(0x2000, 0x38, 0x40, 8, 0xF98, 0xFA8, 0x90, 8 + 0x30, 8 + 0x40);
    static final Layout HEADER32 = new Layout(0x1000, 0x28, 0x2C, 4, 0xF88, 0xFC0, 0x4C, 4 + 0x18, 4 + 0x20);
    /** The triage header's fields (same offsets in both widths up to the string pool). */
    static final int TRIAGE_DRIVER_LIST = 0x30;
    static final int TRIAGE_DRIVER_COUNT = 0x34;

    private KernelDumpReader() {
    }

    static DumpSummary read(DumpBytes in, Layout l) throws IOException {
        LeBytes h = in.read(0, 0x1000, "dump header"); // every field read lies in the first 4 KiB of both widths
        long code = h.u32(l.bugCheck);
        List<Long> parameters = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int at = l.parameters + i * l.parameterWidth;
            parameters.add(l.parameterWidth == 8 ? h.s64(at) : h.u32(at));
        }
        long dumpType = h.u32(l.dumpType);
        String module = null;
        String problem = null;
        if (dumpType == DUMP_TYPE_TRIAGE) {
            int which = BugChecks.codeAddressParameter(code);
            if (which > 0 && parameters.get(which - 1) != 0) {
                try {
                    module = moduleAt(in, l, parameters.get(which - 1));
                } catch (DumpFormatException e) {
                    problem = "its driver list is unreadable: " + e.getMessage();
                }
            }
        }
        return new DumpSummary(kind(dumpType), Fields.filetime(h.s64(l.systemTime)), code, parameters, module, problem);
    }

    /** The dump's kind in the report's words; bitmap types as dbgeng and kdmp-parser number them (5, 6, 8, 9, 10). */
    static String kind(long dumpType) {
        if (dumpType == DUMP_TYPE_FULL) {
            return "kernel-full";
        }
        if (dumpType == DUMP_TYPE_SUMMARY) {
            return "kernel-summary";
        }
        if (dumpType == DUMP_TYPE_TRIAGE) {
            return "triage";
        }
        if (dumpType == 5 || dumpType == 6 || dumpType == 8 || dumpType == 9 || dumpType == 10) {
            return "kernel-bitmap";
        }
        return "unknown";
    }

    /** The base name of the loaded driver whose image holds {@code address}, or null when none does. */
    static String moduleAt(DumpBytes in, Layout l, long address) throws IOException {
        LeBytes t = in.read(l.headerSize, 0x40, "triage header");
        long listOffset = t.u32(TRIAGE_DRIVER_LIST);
        long count = t.u32(TRIAGE_DRIVER_COUNT);
        if (count > MAX_DRIVERS) {
            throw new DumpFormatException(in.name() + ": its triage header claims " + count + " drivers, more than the " + MAX_DRIVERS
                    + " any Windows loads");
        }
        LeBytes list = in.read(listOffset, count * l.driverEntrySize, "driver list");
        for (int i = 0; i < count; i++) {
            long entry = (long) i * l.driverEntrySize;
            long base = l.parameterWidth == 8 ? list.s64(entry + l.dllBase) : list.u32(entry + l.dllBase);
            long size = list.u32(entry + l.sizeOfImage);
            if (Long.compareUnsigned(address, base) >= 0 && Long.compareUnsigned(address - base, size) < 0) {
                return baseName(driverName(in, list.u32(entry)));
            }
        }
        return null;
    }

    /** A {@code DUMP_STRING}: a count of UTF-16 characters, then the characters. */
    private static String driverName(DumpBytes in, long offset) throws IOException {
        long chars = in.read(offset, 4, "driver name length").u32(0);
        if (chars == 0 || chars > MAX_NAME_CHARS) {
            throw new DumpFormatException(in.name() + ": a driver name at offset " + offset + " claims " + chars + " characters");
        }
        return Fields.utf16(in.read(offset + 4, chars * 2, "driver name").bytes(0, chars * 2));
    }

    /** "\SystemRoot\System32\drivers\csagent.sys" becomes "csagent.sys". */
    static String baseName(String path) {
        String name = path.substring(Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')) + 1);
        return name.isEmpty() ? path : name;
    }
}
