package io.bootmedic.diagnosis;

import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.report.Diagnosis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pending servicing operations, from files written here in the shape Windows gives them (pending.xml's registry
 * operations under Component Based Servicing\Packages, Sessions.xml's sessions as Microsoft's servicing blog shows
 * one). Not checked against a pending.xml from a real machine: none is in the shared test data.
 */
class PendingUpdatesTest {
    static final String ROLLUP = "Package_for_RollupFix~31bf3856ad364e35~amd64~~19041.4651.1.7";
    static final String SSU = "Package_for_ServicingStack_4640~31bf3856ad364e35~amd64~~19041.4640.1.3";

    @TempDir
    Path root;
    final List<String> notes = new ArrayList<>();

    static String pendingXml(String... packages) {
        StringBuilder b = new StringBuilder("<?xml version='1.0' encoding='utf-8'?>\r\n"
                + "<PendingTransaction Version=\"3.1\" identifier=\"916ae75edb30da0146000000b0049c10\" Exclusive=\"true\">\r\n<Transactions>\r\n");
        for (String p : packages) {
            b.append("<CreateKeyEntry path=\"\\Registry\\Machine\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages\\")
                    .append(p).append("\\Owners\" name=\"").append(p).append("\"/>\r\n");
            b.append("<SetKeyValue path=\"\\Registry\\Machine\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages\\")
                    .append(p).append("\" name=\"CurrentState\" type=\"0x00000004\" encoding=\"base64\" value=\"cAAAAA==\"/>\r\n");
        }
        return b.append("</Transactions>\r\n<POQ postAction=\"reboot\"/>\r\n</PendingTransaction>\r\n").toString();
    }

    static String sessionsXml() {
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<Sessions version=\"2\">\r\n"
                + session("31111111_100", "Complete", "0x0", "Package_for_KB5034441~31bf3856ad364e35~amd64~~19041.3920.1.0")
                + session("31111111_200", "Staged", "0x0", SSU)
                + session("31111111_300", "Resolved", "0x800f0922", "Package_for_KB9999999~31bf3856ad364e35~amd64~~19041.1.1.0")
                + "</Sessions>\r\n";
    }

    static String session(String id, String state, String status, String pkg) {
        return "<Session version=\"1.0\" id=\"" + id + "\" client=\"UpdateAgentLCU\" options=\"816\" currentPhase=\"1\" lastSuccessfulState=\""
                + state + "\" pendingFollower=\"false\" retry=\"false\" status=\"" + status + "\">\r\n<Tasks>\r\n<Phase seq=\"1\">\r\n"
                + "<package id=\"" + pkg + "\" name=\"KB\" targetState=\"Installed\" options=\"4\" />\r\n</Phase>\r\n</Tasks>\r\n</Session>\r\n";
    }

    void write(String path, String text) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    Diagnosis.PendingUpdates read(String letter) throws IOException {
        return PendingUpdates.read(new LocalFileTree(root), letter, notes);
    }

    @Test
    void nothingIsPendingWithoutPendingXmlWhateverSessionsXmlSays() throws IOException {
        write("Windows/servicing/Sessions/Sessions.xml", sessionsXml());
        assertNull(read("C"));
    }

    @Test
    void pendingXmlIsTheEvidenceAndItsPackagesAndTheUnfinishedSessionsArePackages() throws IOException {
        write("Windows/WinSxS/pending.xml", pendingXml(ROLLUP, ROLLUP));
        write("Windows/servicing/Sessions/Sessions.xml", sessionsXml());
        assertEquals(new Diagnosis.PendingUpdates(true, List.of("Windows/WinSxS/pending.xml", "Windows/servicing/Sessions/Sessions.xml"),
                List.of(ROLLUP, SSU), "DISM /Image:D:\\ /Cleanup-Image /RevertPendingActions"), read("D"));
        assertEquals(List.of(), notes);
    }

    @Test
    void namesAreFoundAsNtfsDoesAndAnUnknownLetterIsLeftForTheOperator() throws IOException {
        write("WINDOWS/winsxs/Pending.XML", pendingXml());
        Diagnosis.PendingUpdates p = read(null);
        assertEquals(List.of("WINDOWS/winsxs/Pending.XML"), p.evidence());
        assertEquals(List.of(), p.packages());
        assertEquals("DISM /Image:<letter>:\\ /Cleanup-Image /RevertPendingActions", p.revertCommand());
    }

    @Test
    void aDtdIsNeverProcessedNorAnExternalEntityFetched() throws IOException {
        Path secret = root.resolve("secret.txt");
        Files.writeString(secret, "Component Based Servicing\\Packages\\Leaked~31bf3856ad364e35~amd64~~1.0");
        write("Windows/WinSxS/pending.xml", "<?xml version=\"1.0\"?>\n<!DOCTYPE p [<!ENTITY x SYSTEM \"" + secret.toUri()
                + "\"><!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n<PendingTransaction><K path=\"&x;\" v=\"&b;\"/></PendingTransaction>");
        Diagnosis.PendingUpdates p = read("C");
        assertTrue(p.pending(), "the file is there: something is pending");
        assertEquals(List.of(), p.packages());
        assertEquals(List.of("Windows/WinSxS/pending.xml declares a DTD, which no servicing file has; it was not read further"), notes);
    }

    @Test
    void aDamagedFileStillCountsAndSaysWhereReadingStopped() throws IOException {
        write("Windows/WinSxS/pending.xml", pendingXml(ROLLUP).substring(0, pendingXml(ROLLUP).indexOf("<SetKeyValue") + 20));
        Diagnosis.PendingUpdates p = read("C");
        assertEquals(List.of(ROLLUP), p.packages(), "what was read before the damage");
        assertEquals(List.of("Windows/WinSxS/pending.xml could not be read to its end: it ends inside an attribute: it was cut short or is damaged"), notes);
    }

    @Test
    void aPendingXmlBehindALinkIsRefused() throws IOException {
        write("elsewhere/pending.xml", pendingXml(ROLLUP));
        Files.createDirectories(root.resolve("Windows/WinSxS"));
        Files.createSymbolicLink(root.resolve("Windows/WinSxS/pending.xml"), root.resolve("elsewhere/pending.xml"));
        assertTrue(assertThrows(IOException.class, () -> read("C")).getMessage().contains("refusing to follow 'Windows/WinSxS/pending.xml'"));
    }

    @Test
    void aSessionsXmlBehindALinkIsANoteAndThePendingXmlStands() throws IOException {
        write("Windows/WinSxS/pending.xml", pendingXml(ROLLUP));
        write("elsewhere/Sessions.xml", sessionsXml());
        Files.createDirectories(root.resolve("Windows/servicing/Sessions"));
        Files.createSymbolicLink(root.resolve("Windows/servicing/Sessions/Sessions.xml"), root.resolve("elsewhere/Sessions.xml"));
        assertEquals(List.of(ROLLUP), read("C").packages());
        assertEquals(1, notes.size());
        assertTrue(notes.get(0).startsWith("Windows/servicing/Sessions/Sessions.xml not read: refusing to follow"), notes.toString());
    }

    @Test
    void packageIdentitiesHaveFiveParts() {
        java.util.Set<String> found = new java.util.LinkedHashSet<>();
        PendingUpdates.packageInPath("\\Registry\\Machine\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages", found);
        PendingUpdates.packageInPath("x\\COMPONENT BASED SERVICING\\PACKAGES\\not-a-package", found);
        PendingUpdates.packageInPath("x\\Component Based Servicing\\Packages\\" + ROLLUP, found);
        assertEquals(List.of(ROLLUP), List.copyOf(found));
    }
}
