package io.bootmedic.diagnosis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reads what a dump file's header says, whichever of the three layouts it has; a file that is none is refused. */
public final class CrashDumpReader {
    private CrashDumpReader() {
    }

    /**
     * @throws DumpFormatException when the file is no dump or its header is damaged (one line naming the file)
     * @throws IOException         when the volume cannot be read
     */
    public static DumpSummary read(DumpBytes in) throws IOException {
        if (in.size() < 8) {
            throw new DumpFormatException(in.name() + " is " + in.size() + " bytes, too short for a dump header");
        }
        byte[] start = in.read(0, 8, "signature").bytes(0, 8);
        String signature = new String(start, StandardCharsets.ISO_8859_1);
        if (signature.equals("PAGEDU64")) {
            return KernelDumpReader.read(in, KernelDumpReader.HEADER64);
        }
        if (signature.equals("PAGEDUMP")) {
            return KernelDumpReader.read(in, KernelDumpReader.HEADER32);
        }
        if (signature.startsWith("MDMP")) {
            return UserMinidumpReader.read(in);
        }
        if (Arrays.equals(start, new byte[8])) {
            throw new DumpFormatException(in.name() + " starts with zeros, not a dump header: Windows did not finish writing it");
        }
        throw new DumpFormatException(in.name() + " is not a crash dump: it starts with neither PAGEDU64, PAGEDUMP nor MDMP");
    }
}
