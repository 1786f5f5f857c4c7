package io.bootmedic.diagnosis;

import io.bootmedic.format.LeBytes;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A user-mode minidump ("MDMP", Microsoft's minidumpapiset.h): the header's time, the exception stream's code,
 * parameters and address, and the module-list entry whose image holds that address.
 */
final class UserMinidumpReader {
    static final long VERSION = 0xA793; // MINIDUMP_VERSION, the low 16 bits of the header's Version
    static final int HEADER = 32;
    static final int DIRECTORY_ENTRY = 12;
    static final int MAX_STREAMS = 4096;
    static final long MODULE_LIST_STREAM = 4;
    static final long EXCEPTION_STREAM = 6;
    /** MINIDUMP_EXCEPTION_STREAM: thread id, alignment, MINIDUMP_EXCEPTION (152 bytes), thread context location. */
    static final int EXCEPTION_STREAM_SIZE = 168;
    static final int MAX_EXCEPTION_PARAMETERS = 15; // EXCEPTION_MAXIMUM_PARAMETERS
    static final int MODULE = 108; // sizeof(MINIDUMP_MODULE)
    static final int MAX_MODULES = 8192;
    static final int MAX_NAME_BYTES = 2048;

    private UserMinidumpReader() {
    }

    static DumpSummary read(DumpBytes in) throws IOException {
        LeBytes h = in.read(0, HEADER, "minidump header");
        if ((h.u32(4) & 0xFFFF) != VERSION) {
            throw new DumpFormatException(in.name() + ": a minidump header whose version is not MINIDUMP_VERSION (0xA793)");
        }
        long streams = h.u32(8);
        if (streams > MAX_STREAMS) {
            throw new DumpFormatException(in.name() + ": its minidump header claims " + streams + " streams, more than " + MAX_STREAMS);
        }
        LeBytes dir = in.read(h.u32(12), streams * DIRECTORY_ENTRY, "stream directory");
        long[] exception = null;
        long[] modules = null;
        for (int i = 0; i < streams; i++) {
            long type = dir.u32((long) i * DIRECTORY_ENTRY);
            long[] location = {dir.u32((long) i * DIRECTORY_ENTRY + 4), dir.u32((long) i * DIRECTORY_ENTRY + 8)}; // size, RVA
            if (type == EXCEPTION_STREAM && exception == null) {
                exception = location;
            } else if (type == MODULE_LIST_STREAM && modules == null) {
                modules = location;
            }
        }
        Long code = null;
        List<Long> parameters = new ArrayList<>();
        String module = null;
        String problem = null;
        if (exception != null) {
            if (exception[0] < EXCEPTION_STREAM_SIZE) {
                throw new DumpFormatException(in.name() + ": its exception stream is " + exception[0] + " bytes, shorter than the "
                        + EXCEPTION_STREAM_SIZE + " it must be");
            }
            LeBytes e = in.read(exception[1], EXCEPTION_STREAM_SIZE, "exception stream");
            code = e.u32(8);
            long address = e.s64(24);
            long count = e.u32(32);
            if (count > MAX_EXCEPTION_PARAMETERS) {
                throw new DumpFormatException(in.name() + ": its exception record claims " + count + " parameters, more than "
                        + MAX_EXCEPTION_PARAMETERS);
            }
            for (int i = 0; i < count; i++) {
                parameters.add(e.s64(40 + 8L * i));
            }
            if (modules != null) {
                try {
                    module = moduleAt(in, modules[1], address);
                } catch (DumpFormatException m) {
                    problem = "its module list is unreadable: " + m.getMessage();
                }
            }
        }
        return new DumpSummary("user-minidump", Fields.unixSeconds(h.u32(20)), code, parameters, module, problem);
    }

    private static String moduleAt(DumpBytes in, long rva, long address) throws IOException {
        long count = in.read(rva, 4, "module list").u32(0);
        if (count > MAX_MODULES) {
            throw new DumpFormatException(in.name() + ": its module list claims " + count + " modules, more than " + MAX_MODULES);
        }
        LeBytes list = in.read(rva + 4, count * MODULE, "module list");
        for (int i = 0; i < count; i++) {
            long m = (long) i * MODULE;
            long base = list.s64(m);
            long size = list.u32(m + 8);
            if (Long.compareUnsigned(address, base) >= 0 && Long.compareUnsigned(address - base, size) < 0) {
                return KernelDumpReader.baseName(name(in, list.u32(m + 20)));
            }
        }
        return null;
    }

    /** A MINIDUMP_STRING: a length in bytes, then UTF-16LE. */
    private static String name(DumpBytes in, long rva) throws IOException {
        long bytes = in.read(rva, 4, "module name length").u32(0);
        if (bytes == 0 || bytes > MAX_NAME_BYTES || bytes % 2 != 0) {
            throw new DumpFormatException(in.name() + ": a module name at offset " + rva + " claims " + bytes + " bytes");
        }
        return Fields.utf16(in.read(rva + 4, bytes, "module name").bytes(0, bytes));
    }
}
