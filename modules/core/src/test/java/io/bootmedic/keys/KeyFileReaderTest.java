package io.bootmedic.keys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exports shaped like the ones AD, Entra ID (Graph), MBAM and admins' spreadsheets produce. */
class KeyFileReaderTest {
    static final String RP1 = "235818-357951-253979-013365-241120-245575-342914-591910";
    static final String RP2 = "199067-214280-266398-508123-023584-402875-562793-012067";
    static final String TYPO = "199067-214280-266398-508123-023584-402875-562793-012068";
    static final String ID1 = "64311DEA-4587-4029-924A-BA299647998E";
    static final String ID2 = "927BD960-C47F-41C7-9159-078469C1714B";
    @TempDir
    Path tmp;

    static String adBinaryGuid(String guid) {
        byte[] raw = HexFormat.of().parseHex(guid.replace("-", ""));
        ByteBuffer out = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer in = ByteBuffer.wrap(raw);
        out.putInt(in.getInt()).putShort(in.getShort()).putShort(in.getShort()).put(raw, 8, 8);
        return Base64.getEncoder().encodeToString(out.array());
    }

    private KeyFileReader.Result read(String name, String content) throws Exception {
        return KeyFileReader.read(Files.writeString(tmp.resolve(name), content));
    }

    @Test
    void activeDirectoryLdifWithBinaryGuidsFoldedLinesAndABadEntry() throws Exception {
        String ldif = "version: 1\n\n"
                + "dn: CN=2024-07-19T05:12:33-08:00{" + ID1 + "},CN=PC-0042,OU=Workstations,DC=corp,DC=example\n"
                + "objectClass: msFVE-RecoveryInformation\n"
                + "msFVE-RecoveryGuid:: " + adBinaryGuid(ID1) + "\n"
                + "msFVE-RecoveryPassword: " + RP1.substring(0, 20) + "\n " + RP1.substring(20) + "\n\n"
                + "dn: CN=2023-01-02T10:00:00-08:00{" + ID2 + "},CN=PC-0042,OU=Workstations,DC=corp,DC=example\n"
                + "msFVE-RecoveryGuid:: " + adBinaryGuid(ID2) + "\n"
                + "msFVE-RecoveryPassword: " + TYPO + "\n";
        KeyFileReader.Result r = read("ad.ldf", ldif);
        assertEquals(1, r.records().size(), r.toString());
        assertEquals(ID1, r.records().get(0).id().guid());
        assertEquals("PC-0042", r.records().get(0).host());
        assertEquals(RecoveryPassword.parse(RP1), r.records().get(0).password());
        assertEquals(1, r.problems().size());
        assertTrue(r.problems().get(0).reason().contains("group 8"), r.problems().toString());
        assertFalse(r.problems().toString().contains("012068"), "no key digits in problem reports");
    }

    @Test
    void adCsvFromCsvdeTakesTheKeyIdFromTheDistinguishedName() throws Exception {
        String csv = "DN,msFVE-RecoveryPassword\n"
                + "\"CN=2024-07-19T05:12:33-08:00{" + ID1.toLowerCase() + "},CN=LAPTOP-7,OU=Sales,DC=corp,DC=example\"," + RP1 + "\n";
        KeyFileReader.Result r = read("ad.csv", csv);
        assertEquals(ID1, r.records().get(0).id().guid());
        assertEquals("LAPTOP-7", r.records().get(0).host());
    }

    @Test
    void microsoftGraphPagesAndMbamAndFieldCsvVariants() throws Exception {
        KeyFileReader.Result graph = read("page1.json", "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#informationProtection/bitlocker/recoveryKeys\","
                + "\"value\":[{\"id\":\"" + ID1.toLowerCase() + "\",\"createdDateTime\":\"2024-07-19T05:00:00Z\",\"volumeType\":\"operatingSystemVolume\","
                + "\"deviceId\":\"1ab40ab2-32a8-4b00-b828-a5a47b2a5a16\",\"key\":\"" + RP1 + "\",\"displayName\":\"DESKTOP-AB12\"}],"
                + "\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/informationProtection/bitlocker/recoveryKeys?$skiptoken=x\"}");
        assertEquals("DESKTOP-AB12", graph.records().get(0).host());
        KeyFileReader.Result page2 = read("page2.json", "{\"value\":[{\"id\":\"" + ID2 + "\",\"key\":\"" + RP2 + "\",\"deviceId\":\"x\"}]}");
        assertEquals(ID2, page2.records().get(0).id().guid());

        KeyFileReader.Result mbam = read("mbam.csv", "RecoveryKeyId,RecoveryKey,ComputerName\n{" + ID1 + "}," + RP1 + ",PC-0042\n");
        assertEquals(ID1, mbam.records().get(0).id().guid());
        assertEquals("PC-0042", mbam.records().get(0).host());

        assertEquals(1, read("a.csv", "keyid,recoverykey\n" + ID1 + "," + RP1 + "\n").records().size());
        assertEquals(1, read("b.csv", "Hostname,KeyID,RecoveryKey,Directory\nPC1," + ID1 + "," + RP1 + ",AzureAD\n").records().size());

        // PowerShell 5's Export-Csv: #TYPE line, UTF-16LE with BOM; a German locale's semicolons; digits with spaces
        String ps = "#TYPE Selected.Microsoft.ActiveDirectory.Management.ADObject\n\"Id\";\"Key\"\n\"" + ID2 + "\";\"" + RP2.replace("-", " ") + "\"\n";
        byte[] body = ps.getBytes(StandardCharsets.UTF_16LE);
        byte[] withBom = new byte[body.length + 2];
        withBom[0] = (byte) 0xFF;
        withBom[1] = (byte) 0xFE;
        System.arraycopy(body, 0, withBom, 2, body.length);
        KeyFileReader.Result utf16 = KeyFileReader.read(Files.write(tmp.resolve("ps.csv"), withBom));
        assertEquals(1, utf16.records().size(), utf16.toString());
        assertEquals(RecoveryPassword.parse(RP2), utf16.records().get(0).password());

        KeyFileReader.Result missing = read("bad.csv", "Name,Comment\nPC1,hello\n");
        assertTrue(missing.records().isEmpty());
        assertTrue(missing.problems().get(0).reason().contains("no recovery-password column"), missing.problems().toString());
    }

    @Test
    void lookupByPrefixAndAmbiguity() throws Exception {
        KeyStore store = new KeyStore();
        store.add(new KeyRecord(KeyId.parse(ID1), RecoveryPassword.parse(RP1), "A", "x"));
        store.add(new KeyRecord(KeyId.parse("64311DEA-0000-0000-0000-000000000000"), RecoveryPassword.parse(RP2), "B", "y"));
        store.add(new KeyRecord(KeyId.parse(ID2), RecoveryPassword.parse(RP2), "C", "z"));
        assertEquals("C", store.find("927bd960").orElseThrow().host());
        assertEquals("A", store.find("{" + ID1.toLowerCase() + "}").orElseThrow().host());
        AmbiguousKeyIdException e = assertThrows(AmbiguousKeyIdException.class, () -> store.find("64311DEA"));
        assertTrue(e.getMessage().contains("give the whole key ID"), e.getMessage());
        store.add(new KeyRecord(KeyId.parse(ID2), RecoveryPassword.parse(RP1), "C", "w"));
        assertEquals(1, store.conflicts().size());
    }
}
