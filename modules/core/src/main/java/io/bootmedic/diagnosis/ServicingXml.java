package io.bootmedic.diagnosis;

import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.io.Reader;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Streams the start tags of a servicing XML file (pending.xml, Sessions.xml) to a visitor. Written here rather than
 * with javax.xml: the WinPE runtime is jlinked with java.base alone, and the little these files need (element names
 * and attribute values) can be read with no DTD, no entity but XML's five and character references, nothing held but
 * the current tag (an attribute value of at most {@link #MAX_VALUE} characters) and no more than {@link #MAX_BYTES}
 * read (a large update's pending.xml runs to megabytes; what lies past the limit is not looked at). Text, comments,
 * processing instructions, CDATA and end tags are skipped; whether end tags match is not checked.
 */
final class ServicingXml {
    static final long MAX_BYTES = 32L << 20;
    static final int MAX_VALUE = 1 << 16;
    static final int MAX_NAME = 256;

    /** One start tag: its local name (without a prefix) and attributes (local names). */
    @FunctionalInterface
    interface Visitor {
        /** @return false to stop reading */
        boolean element(String name, Map<String, String> attributes);
    }

    /** Why the scan stopped before the end of the file. */
    private static final class Stop extends Exception {
        Stop(String why) {
            super(why, null, false, false);
        }
    }

    private final Reader in;
    private int pushed = -2;

    private ServicingXml(Reader in) {
        this.in = in;
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

    static String scan(InputStream raw, String name, Visitor visitor) {
        try {
            PushbackInputStream bytes = new PushbackInputStream(raw, 3);
            ServicingXml x = new ServicingXml(new BufferedReader(new InputStreamReader(bytes, charset(bytes))));
            if (!x.run(visitor) && raw instanceof Limited l && l.cut) {
                throw new Stop("the limit");
            }
            return null;
        } catch (Stop e) {
            boolean cut = raw instanceof Limited l && l.cut;
            return name + (e.getMessage().startsWith("declares") ? " " + e.getMessage()
                    : " could not be read to its end" + (cut ? " (it is larger than " + (MAX_BYTES >> 20) + " MiB; the rest was not read)"
                    : ": " + e.getMessage()));
        } catch (IOException e) {
            return name + " could not be read to its end: " + io.bootmedic.format.ErrorWords.message(e);
        }
    }

    /** The byte order mark's charset, or UTF-8 (what servicing files declare). */
    private static Charset charset(PushbackInputStream in) throws IOException {
        byte[] b = new byte[3];
        int n = in.readNBytes(b, 0, 3);
        if (n >= 2 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE) {
            in.unread(b, 2, n - 2);
            return StandardCharsets.UTF_16LE;
        }
        if (n >= 2 && (b[0] & 0xFF) == 0xFE && (b[1] & 0xFF) == 0xFF) {
            in.unread(b, 2, n - 2);
            return StandardCharsets.UTF_16BE;
        }
        if (n == 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
            return StandardCharsets.UTF_8;
        }
        in.unread(b, 0, n);
        return StandardCharsets.UTF_8;
    }

    /** @return true when the visitor stopped the scan, false at the end of the input */
    private boolean run(Visitor visitor) throws IOException, Stop {
        int c;
        while ((c = read()) >= 0) {
            if (c != '<') {
                continue; // text
            }
            int next = need("a tag");
            if (next == '?') {
                skipPast("?>");
            } else if (next == '/') {
                skipPast(">");
            } else if (next == '!') {
                declaration();
            } else if (isNameChar(next) && next != '-' && next != '.' && !Character.isDigit(next)) {
                pushed = next;
                String tag = name();
                Map<String, String> attributes = attributes();
                if (!visitor.element(local(tag), attributes)) {
                    return true;
                }
            } else {
                throw new Stop("it is not well-formed XML ('<' followed by '" + printable(next) + "')");
            }
        }
        return false;
    }

    private void declaration() throws IOException, Stop {
        StringBuilder b = new StringBuilder();
        while (b.length() < 7) {
            b.append((char) need("a declaration"));
            String s = b.toString();
            if (s.equals("--")) {
                skipPast("-->");
                return;
            }
            if (s.equals("[CDATA[")) {
                skipPast("]]>");
                return;
            }
            if (s.equals("DOCTYPE")) {
                throw new Stop("declares a DTD, which no servicing file has; it was not read further");
            }
        }
        throw new Stop("it is not well-formed XML ('<!" + printable(b.toString()) + "')");
    }

    /** Attributes up to the tag's end ('>' or '/>'). */
    private Map<String, String> attributes() throws IOException, Stop {
        Map<String, String> out = new LinkedHashMap<>();
        while (true) {
            int c = skipSpace();
            if (c == '>') {
                return out;
            }
            if (c == '/') {
                if (need("a tag") != '>') {
                    throw new Stop("it is not well-formed XML ('/' inside a tag)");
                }
                return out;
            }
            pushed = c;
            String name = name();
            if (skipSpace() != '=') {
                throw new Stop("it is not well-formed XML (attribute '" + printable(name) + "' has no value)");
            }
            int quote = skipSpace();
            if (quote != '"' && quote != '\'') {
                throw new Stop("it is not well-formed XML (attribute '" + printable(name) + "' is not quoted)");
            }
            out.put(local(name), value(quote));
        }
    }

    private String value(int quote) throws IOException, Stop {
        StringBuilder b = new StringBuilder();
        for (int c = need("an attribute"); c != quote; c = need("an attribute")) {
            if (c == '<') {
                throw new Stop("it is not well-formed XML ('<' inside an attribute)");
            }
            b.appendCodePoint(c == '&' ? reference() : c);
            if (b.length() > MAX_VALUE) {
                throw new Stop("an attribute value is longer than " + MAX_VALUE + " characters");
            }
        }
        return b.toString();
    }

    /** The character an entity or character reference stands for (after its '&'). */
    private int reference() throws IOException, Stop {
        StringBuilder b = new StringBuilder();
        for (int c = need("a reference"); c != ';'; c = need("a reference")) {
            if (b.length() >= 10) {
                throw new Stop("it is not well-formed XML (an unterminated '&' reference)");
            }
            b.append((char) c);
        }
        String r = b.toString();
        switch (r) {
            case "amp": return '&';
            case "lt": return '<';
            case "gt": return '>';
            case "quot": return '"';
            case "apos": return '\'';
            default: break;
        }
        try {
            int cp = r.startsWith("#x") ? Integer.parseInt(r.substring(2), 16) : r.startsWith("#") ? Integer.parseInt(r.substring(1)) : -1;
            if (Character.isValidCodePoint(cp) && cp != 0) {
                return cp;
            }
        } catch (NumberFormatException e) {
            // falls through to the refusal
        }
        throw new Stop("it is not well-formed XML (the reference '&" + printable(r) + ";' is not one XML defines)");
    }

    private String name() throws IOException, Stop {
        StringBuilder b = new StringBuilder();
        int c = need("a name");
        while (isNameChar(c)) {
            if (b.length() >= MAX_NAME) {
                throw new Stop("a name is longer than " + MAX_NAME + " characters");
            }
            b.append((char) c);
            c = need("a tag");
        }
        if (b.length() == 0) {
            throw new Stop("it is not well-formed XML ('" + printable(c) + "' where a name belongs)");
        }
        pushed = c;
        return b.toString();
    }

    private static boolean isNameChar(int c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == ':' || c == '-' || c == '.';
    }

    private static String local(String name) {
        return name.substring(name.indexOf(':') + 1);
    }

    private int skipSpace() throws IOException, Stop {
        int c = need("a tag");
        while (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            c = need("a tag");
        }
        return c;
    }

    private void skipPast(String end) throws IOException, Stop {
        int matched = 0;
        while (matched < end.length()) {
            int c = need("markup");
            matched = c == end.charAt(matched) ? matched + 1 : c == end.charAt(0) ? 1 : 0;
        }
    }

    private int need(String inside) throws IOException, Stop {
        int c = read();
        if (c < 0) {
            throw new Stop("it ends inside " + inside + ": it was cut short or is damaged");
        }
        return c;
    }

    private int read() throws IOException {
        if (pushed != -2) {
            int c = pushed;
            pushed = -2;
            return c;
        }
        return in.read();
    }

    private static String printable(int c) {
        return c < 0x20 || c > 0x7E ? String.format("U+%04X", c) : String.valueOf((char) c);
    }

    private static String printable(String s) {
        return io.bootmedic.format.Printable.of(s, 40);
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
