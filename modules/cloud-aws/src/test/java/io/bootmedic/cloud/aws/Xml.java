package io.bootmedic.cloud.aws;

import java.util.Map;

/** A small writer for the XML that the EC2 and query protocols answer with. */
final class Xml {
    private final StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");

    Xml open(String name) {
        b.append('<').append(name).append('>');
        return this;
    }

    Xml open(String name, String namespace) {
        b.append('<').append(name).append(" xmlns=\"").append(namespace).append("\">");
        return this;
    }

    Xml close(String name) {
        b.append("</").append(name).append('>');
        return this;
    }

    /** A leaf element; nothing when VALUE is null (the member is absent, as in the real answers). */
    Xml el(String name, Object value) {
        if (value != null) {
            b.append('<').append(name).append('>').append(escape(String.valueOf(value))).append("</").append(name).append('>');
        }
        return this;
    }

    Xml tagSet(Map<String, String> tags) {
        open("tagSet");
        tags.forEach((k, v) -> open("item").el("key", k).el("value", v).close("item"));
        return close("tagSet");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    @Override
    public String toString() {
        return b.toString();
    }
}
