package io.bootmedic.diagnosis;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every byte of a pending.xml and a Sessions.xml set to characters that break XML (markup, an entity, NUL, a byte
 * that is no UTF-8), read with the visitors PendingUpdates uses: the scan returns, at most with one line saying where
 * reading stopped, and never collects more than the limit. Nothing is thrown.
 */
class ServicingXmlMutationTest {
    static final byte[] VALUES = {'<', '&', 0x00, (byte) 0xFF};

    @Test
    void everyByteOfBothFiles() {
        byte[] pending = PendingUpdatesTest.pendingXml(PendingUpdatesTest.ROLLUP).getBytes(StandardCharsets.UTF_8);
        byte[] sessions = PendingUpdatesTest.sessionsXml().getBytes(StandardCharsets.UTF_8);
        assertNull(scan(pending, true, new LinkedHashSet<>()));
        Set<String> found = new LinkedHashSet<>();
        assertNull(scan(sessions, false, found));
        assertEquals(Set.of(PendingUpdatesTest.SSU), found, "the unmutated sessions name the one unfinished package");
        for (byte[] original : new byte[][]{pending, sessions}) {
            for (int i = 0; i < original.length; i++) {
                for (byte v : VALUES) {
                    byte[] d = original.clone();
                    d[i] = v;
                    Set<String> packages = new LinkedHashSet<>();
                    String note = scan(d, original == pending, packages);
                    assertTrue(packages.size() <= PendingUpdates.MAX_PACKAGES);
                    assertTrue(note == null || note.startsWith("f.xml ") && !note.contains("\n"), note);
                }
            }
        }
    }

    @Test
    void anEndlessFileIsReadOnlyUpToTheLimitAndAnEndlessValueToItsOwn() {
        assertEquals("big.xml could not be read to its end (it is larger than 32 MiB; the rest was not read)",
                ServicingXml.scan(new ServicingXml.Limited(endless("<PendingTransaction>")), "big.xml", (name, attributes) -> true));
        assertEquals("big.xml could not be read to its end: an attribute value is longer than 65536 characters",
                ServicingXml.scan(new ServicingXml.Limited(endless("<PendingTransaction><a path=\"")), "big.xml", (name, attributes) -> true));
    }

    /** {@code start}, then 'x' for ever. */
    static java.io.InputStream endless(String start) {
        byte[] head = start.getBytes(StandardCharsets.US_ASCII);
        return new java.io.InputStream() {
            long at;

            @Override
            public int read() {
                return at < head.length ? head[(int) at++] : 'x';
            }
        };
    }

    @Test
    void entitiesAreXmlsOwnAndByteOrderMarksAreHonoured() {
        Set<String> found = new LinkedHashSet<>();
        String xml = "<?xml version='1.0' encoding='utf-16'?><!-- c --><s:Sessions xmlns:s='u'><Session lastSuccessfulState=\"Staged\">"
                + "<package id='Package_for_A&amp;B~31bf3856ad364e35~amd64~~1.0&#x2e;1'/></Session></s:Sessions>";
        byte[] utf16 = ("\uFEFF" + xml).getBytes(StandardCharsets.UTF_16LE);
        assertNull(scan(utf16, false, found));
        assertEquals(Set.of("Package_for_A&B~31bf3856ad364e35~amd64~~1.0.1"), found);
        assertEquals("f.xml could not be read to its end: it is not well-formed XML (the reference '&xxe;' is not one XML defines)",
                scan("<Session lastSuccessfulState='x'><package id='&xxe;'/></Session>".getBytes(StandardCharsets.UTF_8), false, found));
    }

    static String scan(byte[] xml, boolean pending, Set<String> packages) {
        return ServicingXml.scan(new ByteArrayInputStream(xml), "f.xml",
                pending ? PendingUpdates.pendingVisitor(packages) : new PendingUpdates.SessionVisitor(packages));
    }
}
