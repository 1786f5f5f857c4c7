package io.bootmedic.diagnosis;

import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Streams the start elements of a servicing XML file (pending.xml, Sessions.xml) to a visitor: no DTD, no external
 * entity, nothing held but the current element, and no more than {@link #MAX_BYTES} read (a large update's
 * pending.xml runs to megabytes; what lies past the limit is not looked at, and no attribute can be larger).
 */
final class ServicingXml {
    static final long MAX_BYTES = 32L << 20;

    /** One start element: its local name and attributes (local names). */
    @FunctionalInterface
    interface Visitor {
        /** @return false to stop reading */
        boolean element(String name, Map<String, String> attributes);
    }

    /** Configured once: looking the factory up is slow, and creating readers from a configured one is safe. */
    private static final XMLInputFactory FACTORY = factory();

    private ServicingXml() {
    }

    /**
     * Reads {@code file} until its end, the visitor stops it, or the limit.
     *
     * @return null when the whole file (or as much as the visitor wanted) was read, else one line saying where it stopped
     */
    static String scan(FileTree tree, RelPath file, Visitor visitor) throws IOException {
        try (SeekableByteChannel ch = tree.openRead(file); InputStream in = new Limited(new BufferedInputStream(Channels.newInputStream(ch)))) {
            return scan(in, file.toString(), visitor);
        }
    }

    static String scan(InputStream in, String name, Visitor visitor) {
        XMLStreamReader r = null;
        try {
            r = FACTORY.createXMLStreamReader(in);
            while (r.hasNext()) {
                int event = r.next();
                if (event == XMLStreamConstants.DTD) {
                    return name + " declares a DTD, which no servicing file has; it was not read further";
                }
                if (event == XMLStreamConstants.START_ELEMENT) {
                    Map<String, String> attributes = new LinkedHashMap<>();
                    for (int i = 0; i < r.getAttributeCount(); i++) {
                        attributes.put(r.getAttributeLocalName(i), r.getAttributeValue(i));
                    }
                    if (!visitor.element(r.getLocalName(), attributes)) {
                        return null;
                    }
                }
            }
            return null;
        } catch (XMLStreamException | RuntimeException e) {
            // the JDK's parser reports some malformed input as unchecked exceptions; either way the file ends here for us
            return name + " could not be read to its end" + (in instanceof Limited l && l.cut ? " (it is larger than "
                    + (MAX_BYTES >> 20) + " MiB; the rest was not read)" : ": it is not well-formed XML");
        } finally {
            if (r != null) {
                try {
                    r.close();
                } catch (XMLStreamException ignored) {
                    // the stream is closed by the caller
                }
            }
        }
    }

    private static XMLInputFactory factory() {
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        return f;
    }

    /** Ends the stream after {@link #MAX_BYTES}, and remembers that it did. */
    static final class Limited extends FilterInputStream {
        private long left = MAX_BYTES;
        boolean cut;

        Limited(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                cut = true;
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                cut = true;
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
