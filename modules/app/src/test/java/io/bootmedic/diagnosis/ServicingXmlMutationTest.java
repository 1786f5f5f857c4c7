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
    void anEndlessFileIsReadOnlyUpToTheLimit() {
        java.io.InputStream endless = new java.io.InputStream() {
            final byte[] start = "<PendingTransaction><a path=\"".getBytes(StandardCharsets.US_ASCII);
            long at;

            @Override
            public int read() {
                return at < start.length ? start[(int) at++] : (at++ % 64 == 0 ? '\\' : 'x');
            }
        };
        assertEquals("big.xml could not be read to its end (it is larger than 32 MiB; the rest was not read)",
                ServicingXml.scan(new ServicingXml.Limited(endless), "big.xml", (name, attributes) -> true));
    }

    static String scan(byte[] xml, boolean pending, Set<String> packages) {
        return ServicingXml.scan(new ByteArrayInputStream(xml), "f.xml",
                pending ? PendingUpdates.pendingVisitor(packages) : new PendingUpdates.SessionVisitor(packages));
    }
}
