package io.bootmedic.keys;

import io.bootmedic.testutil.Hostile;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Key exports of each shape truncated at every byte and garbled row by row: rows become problems or the file a KeyFileException, nothing else. */
class KeyFileMutationTest {
    static final String ID1 = KeyFileReaderTest.ID1;
    static final String RP1 = KeyFileReaderTest.RP1;

    static final List<String> EXPORTS = List.of(
            "version: 1\n\ndn: CN=2024-07-19T05:12:33-08:00{" + ID1 + "},CN=PC-0042,OU=W,DC=corp\nobjectClass: msFVE-RecoveryInformation\n"
                    + "msFVE-RecoveryGuid:: " + KeyFileReaderTest.adBinaryGuid(ID1) + "\nmsFVE-RecoveryPassword: " + RP1.substring(0, 20) + "\n " + RP1.substring(20) + "\n",
            "#TYPE Selected.Microsoft.ActiveDirectory.Management.ADObject\n\"DistinguishedName\",\"msFVE-RecoveryPassword\"\n"
                    + "\"CN=2024{" + ID1 + "},CN=LAPTOP-7,DC=x\",\"" + RP1 + "\"\n",
            "Id;Key;Hostname\n" + ID1 + ";" + RP1 + ";PC1\n",
            "{\"value\":[{\"id\":\"" + ID1 + "\",\"createdDateTime\":\"2024-07-19T05:00:00Z\",\"key\":\"" + RP1 + "\",\"deviceId\":\"d\"}]}");

    private static void survives(byte[] content, String what) {
        byte[] copy = content.clone();
        try {
            Hostile.parseOrRefuse(() -> {
                KeyFileReader.Result r = KeyFileReader.read(copy, "k");
                assertFalse(r.problems().toString().contains(RP1.substring(0, 13)), "no key digits in problems: " + r.problems());
            });
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": " + e, e);
        }
        assertArrayEquals(content, copy);
    }

    @Test
    void truncatedAtEveryByte() {
        for (String export : EXPORTS) {
            byte[] b = export.getBytes(StandardCharsets.UTF_8);
            for (int cut = 0; cut <= b.length; cut++) {
                survives(Arrays.copyOf(b, cut), "cut at " + cut + " of " + export.substring(0, 10));
            }
        }
    }

    @Test
    void eachByteReplacedByCharactersThatMeanSomething() {
        byte[] specials = "\"\\;,:{}[]\n\r \u0000#=".getBytes(StandardCharsets.UTF_8);
        for (String export : EXPORTS) {
            byte[] b = export.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < b.length; i++) {
                for (byte s : specials) {
                    byte[] m = b.clone();
                    m[i] = s;
                    survives(m, "byte " + i + " = " + s);
                }
                byte[] high = b.clone();
                high[i] = (byte) 0xFF; // not UTF-8
                survives(high, "byte " + i + " = 0xFF");
            }
        }
    }
}
