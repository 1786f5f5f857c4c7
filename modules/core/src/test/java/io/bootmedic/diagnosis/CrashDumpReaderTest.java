package io.bootmedic.diagnosis;

import io.bootmedic.report.Diagnosis;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The three dump layouts, written by {@link DumpWriter} with every field at its documented offset. */
class CrashDumpReaderTest {
    static final Instant WHEN = Instant.parse("2024-07-19T04:09:12Z");
    static final List<DumpWriter.Module> DRIVERS = List.of(
            new DumpWriter.Module("\\SystemRoot\\system32\\ntoskrnl.exe", 0xfffff8047ba00000L, 0x1046000),
            new DumpWriter.Module("\\SystemRoot\\system32\\hal.dll", 0xfffff80479440000L, 0x6000),
            new DumpWriter.Module("\\SystemRoot\\System32\\drivers\\CrowdStrike\\csagent.sys", 0xfffff80489a00000L, 0x2c8000),
            new DumpWriter.Module("\\SystemRoot\\System32\\drivers\\rdpbus.sys", 0xfffff8048b680000L, 0xe000));
    /** 0x50 as on 19 July 2024: P3 the address in csagent.sys that read the bad pointer. */
    static final long[] PAGE_FAULT = {0xffff840500000074L, 0x0L, 0xfffff80489a7e1e1L, 0x2L};

    static DumpSummary read(byte[] dump) throws IOException {
        return CrashDumpReader.read(DumpBytes.of(dump, "071924-10234-01.dmp"));
    }

    @Test
    void aTriageDumpGivesItsTimeStopCodeParametersAndTheDriverHoldingTheFaultingAddress() throws IOException {
        Diagnosis.CrashDump c = CrashDumps.of("Windows/Minidump/071924-10234-01.dmp",
                read(DumpWriter.kernel64(4, 0x50, PAGE_FAULT, WHEN.plusMillis(987), DRIVERS)));
        assertEquals(new Diagnosis.CrashDump("Windows/Minidump/071924-10234-01.dmp", "triage", "2024-07-19T04:09:12Z", "0x00000050",
                "PAGE_FAULT_IN_NONPAGED_AREA", List.of("0xffff840500000074", "0x0", "0xfffff80489a7e1e1", "0x2"), "csagent.sys", null), c);
    }

    @Test
    void theParameterThatNamesTheCodeAddressDependsOnTheBugCheck() throws IOException {
        long inHal = 0xfffff80479441234L;
        assertEquals("hal.dll", read(DumpWriter.kernel64(4, 0xD1, new long[]{0x10, 2, 0, inHal}, WHEN, DRIVERS)).faultingModule());
        assertEquals("hal.dll", read(DumpWriter.kernel64(4, 0x1000007E, new long[]{0xffffffffc0000005L, inHal, 1, 2}, WHEN, DRIVERS))
                .faultingModule());
        assertNull(read(DumpWriter.kernel64(4, 0xD1, new long[]{inHal, 2, 0, 0}, WHEN, DRIVERS)).faultingModule(), "P1 of 0xD1 is data");
        assertNull(read(DumpWriter.kernel64(4, 0xEF, new long[]{inHal, inHal, inHal, inHal}, WHEN, DRIVERS)).faultingModule(),
                "CRITICAL_PROCESS_DIED names no code address");
        assertNull(read(DumpWriter.kernel64(4, 0x50, new long[]{0, 0, 0xfffff80000001000L, 0}, WHEN, DRIVERS)).faultingModule(),
                "an address in no driver");
        assertEquals("rdpbus.sys", read(DumpWriter.kernel64(4, 0x50, new long[]{0, 0, 0xfffff8048b68dfffL, 0}, WHEN, DRIVERS))
                .faultingModule(), "the last byte of the last driver");
        assertNull(read(DumpWriter.kernel64(4, 0x50, new long[]{0, 0, 0xfffff8048b68e000L, 0}, WHEN, DRIVERS)).faultingModule(),
                "one past its end");
    }

    @Test
    void kernelDumpKindsAreNamedByDumpTypeAndHaveNoDriverListInTheHeader() throws IOException {
        assertEquals("kernel-full", read(DumpWriter.kernel64(1, 0x7B, new long[4], WHEN, List.of())).kind());
        assertEquals("kernel-summary", read(DumpWriter.kernel64(2, 0x7B, new long[4], WHEN, List.of())).kind());
        for (int bitmap : new int[]{5, 6, 8, 9, 10}) {
            assertEquals("kernel-bitmap", read(DumpWriter.kernel64(bitmap, 0x7B, new long[4], WHEN, List.of())).kind());
        }
        assertEquals("unknown", read(DumpWriter.kernel64(3, 0x7B, new long[4], WHEN, List.of())).kind());
        DumpSummary full = read(DumpWriter.kernel64(1, 0x50, PAGE_FAULT, WHEN, List.of()));
        assertNull(full.faultingModule(), "a full dump's module list is in its memory pages, which bootmedic does not walk");
        assertNull(full.problem());
        assertEquals(WHEN, full.time());
    }

    @Test
    void a32BitTriageDumpHasItsOwnOffsets() throws IOException {
        List<DumpWriter.Module> drivers = List.of(new DumpWriter.Module("\\SystemRoot\\system32\\ntkrnlpa.exe", 0x82a00000L, 0x412000),
                new DumpWriter.Module("\\SystemRoot\\system32\\DRIVERS\\badnet.sys", 0x8f400000L, 0x20000));
        DumpSummary d = read(DumpWriter.kernel32(4, 0xD1, new long[]{0x4, 0x2, 0x0, 0x8f4012abL}, WHEN, drivers));
        assertEquals("triage", d.kind());
        assertEquals(0xD1L, d.code());
        assertEquals(List.of(4L, 2L, 0L, 0x8f4012abL), d.parameters());
        assertEquals("badnet.sys", d.faultingModule());
        assertEquals(WHEN, d.time());
    }

    @Test
    void aUserModeMinidumpGivesItsExceptionAndTheModuleHoldingItsAddress() throws IOException {
        List<DumpWriter.Module> modules = List.of(new DumpWriter.Module("C:\\Windows\\System32\\svchost.exe", 0x7ff6a0000000L, 0x10000),
                new DumpWriter.Module("C:\\Windows\\System32\\ntdll.dll", 0x7ffb10000000L, 0x1f8000));
        Diagnosis.CrashDump c = CrashDumps.of("x.dmp", read(DumpWriter.minidump(0xC0000005L, 0x7ffb10012345L, new long[]{0, 0x10}, WHEN, modules)));
        assertEquals(new Diagnosis.CrashDump("x.dmp", "user-minidump", "2024-07-19T04:09:12Z", "0xC0000005", "EXCEPTION_ACCESS_VIOLATION",
                List.of("0x0", "0x10"), "ntdll.dll", null), c);
    }

    @Test
    void unsetAndAbsurdTimesAreNull() throws IOException {
        byte[] dump = DumpWriter.kernel64(1, 0x7B, new long[4], WHEN, List.of());
        ByteBuffer.wrap(dump).order(ByteOrder.LITTLE_ENDIAN).putInt(0xFA8, 0x45474150).putInt(0xFAC, 0x45474150); // "PAGE": unset
        assertNull(read(dump).time());
        ByteBuffer.wrap(dump).order(ByteOrder.LITTLE_ENDIAN).putLong(0xFA8, -1L);
        assertNull(read(dump).time());
        ByteBuffer.wrap(dump).order(ByteOrder.LITTLE_ENDIAN).putLong(0xFA8, 0L);
        assertNull(read(dump).time());
    }

    @Test
    void aDamagedDriverListKeepsTheStopCodeAndSaysWhy() throws IOException {
        byte[] dump = DumpWriter.kernel64(4, 0x50, PAGE_FAULT, WHEN, DRIVERS);
        ByteBuffer.wrap(dump).order(ByteOrder.LITTLE_ENDIAN).putInt(0x2000 + 0x34, 100_000);
        DumpSummary d = read(dump);
        assertEquals(0x50L, d.code());
        assertNull(d.faultingModule());
        assertEquals("its driver list is unreadable: 071924-10234-01.dmp: its triage header claims 100000 drivers, more than the 4096 any "
                + "Windows loads", d.problem());

        ByteBuffer.wrap(dump).order(ByteOrder.LITTLE_ENDIAN).putInt(0x2000 + 0x34, 4).putInt(0x2000 + 0x30, 0x7fff_fff0);
        assertTrue(read(dump).problem().contains("the driver list (576 bytes at offset 2147483632) lies past the end of the file"),
                read(dump).problem());

        byte[] longName = DumpWriter.kernel64(4, 0x50, PAGE_FAULT, WHEN, DRIVERS);
        int name = ByteBuffer.wrap(longName).order(ByteOrder.LITTLE_ENDIAN).getInt(0x2100 + 2 * 0x90);
        ByteBuffer.wrap(longName).order(ByteOrder.LITTLE_ENDIAN).putInt(name, -1);
        assertEquals("its driver list is unreadable: 071924-10234-01.dmp: a driver name at offset " + name + " claims 4294967295 characters",
                read(longName).problem());
    }

    @Test
    void filesThatAreNoDumpAreRefusedInOneLine() {
        assertEquals("x.dmp starts with zeros, not a dump header: Windows did not finish writing it",
                assertThrows(DumpFormatException.class, () -> CrashDumpReader.read(DumpBytes.of(new byte[65536], "x.dmp"))).getMessage());
        assertEquals("x.dmp is not a crash dump: it starts with neither PAGEDU64, PAGEDUMP nor MDMP",
                assertThrows(DumpFormatException.class, () -> CrashDumpReader.read(DumpBytes.of("MZ\u0090\0\3\0\0\0\4".getBytes(), "x.dmp")))
                        .getMessage());
        assertEquals("x.dmp is 3 bytes, too short for a dump header",
                assertThrows(DumpFormatException.class, () -> CrashDumpReader.read(DumpBytes.of(new byte[3], "x.dmp"))).getMessage());
        byte[] cut = java.util.Arrays.copyOf(DumpWriter.kernel64(4, 0x50, PAGE_FAULT, WHEN, DRIVERS), 0x800);
        assertEquals("x.dmp: the dump header (4096 bytes at offset 0) lies past the end of the file (2048 bytes); the dump is damaged or was cut short",
                assertThrows(DumpFormatException.class, () -> CrashDumpReader.read(DumpBytes.of(cut, "x.dmp"))).getMessage());
    }

    @Test
    void bugCheckNamesCoverTheCommonStopCodes() {
        for (long code : new long[]{0x7B, 0x7E, 0x50, 0xD1, 0x3B, 0x1E, 0xEF, 0x133, 0x9F, 0xC2, 0x19, 0x139, 0x1000007E, 0xA, 0x124, 0x101,
                0x154, 0xED}) {
            assertTrue(BugChecks.name(code) != null, BugChecks.code(code));
        }
        assertEquals("INACCESSIBLE_BOOT_DEVICE", BugChecks.name(0x7B));
        assertEquals("0x1000007E", BugChecks.code(0x1000007E));
        assertEquals("0xffffffffc0000005", BugChecks.parameter(0xffffffffc0000005L));
    }
}
