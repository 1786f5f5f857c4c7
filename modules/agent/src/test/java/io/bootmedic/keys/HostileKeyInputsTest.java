package io.bootmedic.keys;

import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.JvmCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 12 #6, #8, #17 for key exports: bounded memory and time, one clear line, never library text. */
class HostileKeyInputsTest {
    static final String RP1 = KeyFileReaderTest.RP1;
    static final String ID1 = KeyFileReaderTest.ID1;
    @TempDir
    Path tmp;

    private static void assertOneClearLine(String err, String... contains) {
        for (String c : contains) {
            assertTrue(err.contains(c), "'" + c + "' in: " + err);
        }
        assertFalse(err.contains("Exception") || err.contains("\tat ") || err.contains("OutOfMemory"), err);
    }

    @Test
    void aMillionRowCsvIsRefusedInA256MiBHeapWithoutAStackTrace() throws Exception {
        Path csv = tmp.resolve("big.csv");
        try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            w.write("KeyID,RecoveryKey\n");
            for (int i = 0; i < 1_000_001; i++) {
                w.write(ID1);
                w.write(',');
                w.write(RP1);
                w.write('\n');
            }
        }
        JvmCli lookup = JvmCli.run(tmp, 60, "keys", "lookup", "64311DEA", "--key-file", csv.toString());
        assertEquals(2, lookup.exit, lookup.toString());
        assertOneClearLine(lookup.err, "big.csv", "MiB", "split it");
    }

    @Test
    void anExportAtTheRowCapStillLoadsInA256MiBHeap() throws Exception {
        Path csv = tmp.resolve("fleet.csv");
        try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            w.write("KeyID,RecoveryKey,ComputerName\n");
            for (int i = 1; i <= KeyFileReader.MAX_ROWS; i++) {
                w.write(String.format("%08X-0000-4000-8000-%012X,%s,PC-%06d%n", i, i, RP1, i));
            }
        }
        JvmCli lookup = JvmCli.run(tmp, 90, "keys", "lookup", "00000007", "--key-file", csv.toString());
        assertEquals(0, lookup.exit, lookup.toString());
        assertTrue(lookup.out.contains("host PC-000007"), lookup.out);
        assertTrue(lookup.err.contains(KeyFileReader.MAX_ROWS + " recovery key(s) read"), lookup.err);
    }

    @Test
    void moreRowsThanTheCapAreRefusedEvenInASmallFile() throws Exception {
        StringBuilder b = new StringBuilder("KeyID,RecoveryKey\n");
        b.append("x,y\n".repeat(KeyFileReader.MAX_ROWS + 1));
        Path csv = Files.writeString(tmp.resolve("rows.csv"), b);
        KeyFileException e = assertThrows(KeyFileException.class, () -> KeyFileReader.read(csv));
        assertTrue(e.getMessage().contains("more than " + KeyFileReader.MAX_ROWS + " rows"), e.getMessage());

        JvmCli lookup = JvmCli.run(tmp, 60, "keys", "lookup", "64311DEA", "--key-file", csv.toString());
        assertEquals(2, lookup.exit, lookup.toString());
        assertOneClearLine(lookup.err, "rows.csv", "rows");
    }

    @Test
    void aValueFoldedOverAHundredThousandLinesEndsQuickly() throws Exception {
        String folded = "dn: CN={" + ID1 + "},CN=PC1,DC=x\nmsFVE-RecoveryGuid: " + ID1 + "\nmsFVE-RecoveryPassword: x\n" + " 1\n".repeat(100_000);
        Path ldif = Files.writeString(tmp.resolve("folded.ldf"), folded);
        KeyFileException e = assertTimeoutPreemptively(Duration.ofSeconds(3), () -> assertThrows(KeyFileException.class, () -> KeyFileReader.read(ldif)));
        assertTrue(e.getMessage().contains("folded.ldf line 3") && e.getMessage().contains("folded over more than"), e.getMessage());

        // below the cap the unfolding is linear: 60,000 continuation lines of one character each
        String justUnder = "dn: CN={" + ID1 + "},CN=PC1,DC=x\nmsFVE-RecoveryGuid: " + ID1 + "\nmsFVE-RecoveryPassword: " + RP1 + "\ndescription: x\n"
                + " y\n".repeat(60_000) + "\n";
        Path ok = Files.writeString(tmp.resolve("ok.ldf"), justUnder);
        KeyFileReader.Result r = assertTimeoutPreemptively(Duration.ofSeconds(3), () -> KeyFileReader.read(ok));
        assertEquals(1, r.records().size(), r.toString());
        assertEquals("PC1", r.records().get(0).host());
    }

    @Test
    void foldedPasswordAcrossLinesStillReads() throws Exception {
        String ldif = "dn: CN={" + ID1 + "},CN=PC1,DC=x\r\nmsFVE-RecoveryGuid: " + ID1 + "\r\nmsFVE-RecoveryPassword: " + RP1.substring(0, 10)
                + "\r\n " + RP1.substring(10, 30) + "\r\n " + RP1.substring(30) + "\r\n";
        KeyFileReader.Result r = KeyFileReader.read(Files.writeString(tmp.resolve("crlf.ldf"), ldif));
        assertEquals(1, r.records().size(), r.toString());
        assertEquals(RecoveryPassword.parse(RP1), r.records().get(0).password());
    }

    @Test
    void brokenBase64InLdifIsARowProblemNotLibraryText() throws Exception {
        String ldif = "dn: CN={" + ID1 + "},CN=PC1,DC=x\nmsFVE-RecoveryGuid:: !!!!not-base64\nmsFVE-RecoveryPassword: " + RP1 + "\n\n"
                + "dn:: %%%%\nmsFVE-RecoveryGuid: " + ID1 + "\nmsFVE-RecoveryPassword: " + RP1 + "\n";
        KeyFileReader.Result r = KeyFileReader.read(Files.writeString(tmp.resolve("b64.ldf"), ldif));
        assertEquals(0, r.records().size());
        assertEquals(2, r.problems().size(), r.problems().toString());
        assertTrue(r.problems().get(0).toString().contains("b64.ldf line 2: the value of msFVE-RecoveryGuid is marked as base64"), r.problems().toString());
        assertFalse(r.problems().toString().contains("Illegal base64"), r.problems().toString());
    }

    @Test
    void aBrokenCsvIsOneSentenceNamingTheFileAndLine() throws Exception {
        Path csv = Files.writeString(tmp.resolve("broken.csv"), "KeyID,RecoveryKey\n" + ID1 + "," + RP1 + "\n\"" + ID1 + "\"x," + RP1 + "\n");
        KeyFileException e = assertThrows(KeyFileException.class, () -> KeyFileReader.read(csv));
        assertTrue(e.getMessage().startsWith("key file broken.csv is not a CSV bootmedic can read near line 3"), e.getMessage());
        assertFalse(e.getMessage().contains("CSVException") || e.getMessage().contains("Invalid char"), e.getMessage());

        Cli lookup = Cli.run("keys", "lookup", "64311DEA", "--key-file", csv.toString());
        assertEquals(2, lookup.exit, lookup.toString());
        assertOneClearLine(lookup.err, "broken.csv", "line 3");
    }

    @Test
    void duplicateColumnsDoNotStopTheRead() throws Exception {
        Path csv = Files.writeString(tmp.resolve("dup.csv"), "KeyID,RecoveryKey,Note,Note\n" + ID1 + "," + RP1 + ",a,b\n");
        assertEquals(1, KeyFileReader.read(csv).records().size());
    }

    @Test
    void aDirectoryOrAnUnreadableFileAsKeyFileIsOneLine() throws Exception {
        Cli dir = Cli.run("keys", "lookup", "64311DEA", "--key-file", tmp.toString());
        assertEquals(2, dir.exit, dir.toString());
        assertOneClearLine(dir.err, "--key-file " + tmp, "is a directory");

        Cli missing = Cli.run("keys", "lookup", "64311DEA", "--key-file", tmp.resolve("nope.csv").toString());
        assertEquals(2, missing.exit, missing.toString());
        assertOneClearLine(missing.err, "nope.csv does not exist");
    }

    @Test
    void exportsInUtf16AreReadAndGarbageIsNotAStackTrace() throws Exception {
        byte[] utf16 = ("\uFEFFKeyID,RecoveryKey\r\n" + ID1 + "," + RP1 + "\r\n").getBytes(StandardCharsets.UTF_16LE);
        assertEquals(1, KeyFileReader.read(Files.write(tmp.resolve("u16.csv"), utf16)).records().size());
        byte[] garbage = new byte[4096];
        new java.util.Random(7).nextBytes(garbage);
        Path g = Files.write(tmp.resolve("garbage.csv"), garbage);
        io.bootmedic.testutil.Hostile.parseOrRefuse(() -> KeyFileReader.read(g));
    }
}
