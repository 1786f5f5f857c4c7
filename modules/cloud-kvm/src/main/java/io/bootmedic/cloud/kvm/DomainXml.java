package io.bootmedic.cloud.kvm;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

/**
 * A domain's definition ({@code virsh dumpxml --inactive --security-info}): which disk it boots from, what libosinfo says
 * its OS is, and the same document with the boot disk's file changed (everything else, bus, target and driver included,
 * kept as libvirt wrote it).
 */
final class DomainXml {
    static final String LIBOSINFO = "http://libosinfo.org/xmlns/libvirt/domain/1.0";
    static final Set<String> FORMATS = Set.of("raw", "qcow2", "vpc", "vhdx");

    /**
     * The boot disk as this route sees it. {@code refusal} is why the route will not copy it (nothing is changed then);
     * {@code path} is the file when there is one.
     */
    record BootDisk(String path, String format, String target, String refusal, String pool, String volume) {
        BootDisk(String path, String format, String target, String refusal) {
            this(path, format, target, refusal, null, null);
        }

        /** A storage-pool volume: its file comes from {@code virsh vol-path}. */
        boolean isVolume() {
            return pool != null;
        }
    }

    private final Document doc;

    private DomainXml(Document doc) {
        this.doc = doc;
    }

    static DomainXml parse(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            return new DomainXml(b.parse(new InputSource(new StringReader(xml))));
        } catch (Exception e) {
            throw new IllegalArgumentException("the domain XML libvirt returned cannot be read: " + e.getMessage(), e);
        }
    }

    String uuid() {
        return text(doc.getDocumentElement(), "uuid");
    }

    String name() {
        return text(doc.getDocumentElement(), "name");
    }

    /** The libosinfo OS id virt-install and virt-manager record ({@code http://microsoft.com/win/10}), or null. */
    String osId() {
        NodeList os = doc.getElementsByTagNameNS(LIBOSINFO, "os");
        for (int i = 0; i < os.getLength(); i++) {
            String id = ((Element) os.item(i)).getAttribute("id");
            if (!id.isEmpty()) {
                return id;
            }
        }
        return null;
    }

    /** The disk elements that are disks (not CD-ROMs or floppies), in document order. */
    private List<Element> disks() {
        List<Element> out = new ArrayList<>();
        Element devices = child(doc.getDocumentElement(), "devices");
        if (devices == null) {
            return out;
        }
        for (Node n = devices.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getLocalName().equals("disk")) {
                String device = e.getAttribute("device");
                if (device.isEmpty() || device.equals("disk") || device.equals("lun")) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /**
     * The disk the domain boots from: the one named by {@code target} (--disk vda) when given, else the lowest
     * {@code <boot order>}, else the first disk (what {@code <os><boot dev='hd'/>} boots). Null when there is none.
     */
    private Element bootElement(String target) {
        Element best = null;
        int bestOrder = Integer.MAX_VALUE;
        for (Element d : disks()) {
            Element t = child(d, "target");
            if (target != null) {
                if (t != null && target.equals(t.getAttribute("dev"))) {
                    return d;
                }
                continue;
            }
            Element boot = child(d, "boot");
            if (boot != null) {
                try {
                    int order = Integer.parseInt(boot.getAttribute("order"));
                    if (order < bestOrder) {
                        best = d;
                        bestOrder = order;
                    }
                } catch (NumberFormatException e) {
                    // libvirt validates the order: an unreadable one is not the boot disk
                }
            }
        }
        if (target != null) {
            return null;
        }
        return best != null ? best : disks().stream().findFirst().orElse(null);
    }

    BootDisk bootDisk(String target) {
        Element d = bootElement(target);
        if (d == null) {
            return new BootDisk(null, null, target, target != null ? "it has no disk with target '" + target + "' (see: virsh domblklist)"
                    : "it has no disk");
        }
        Element t = child(d, "target");
        String dev = t != null ? t.getAttribute("dev") : "?";
        Element driver = child(d, "driver");
        String format = driver != null && !driver.getAttribute("type").isEmpty() ? driver.getAttribute("type") : "raw";
        Element source = child(d, "source");
        if (child(d, "encryption") != null || (source != null && child(source, "encryption") != null)) {
            return new BootDisk(null, format, dev, "its boot disk " + dev + " is encrypted by qemu; bootmedic cannot read qemu-encrypted images");
        }
        if (child(d, "shareable") != null) {
            return new BootDisk(null, format, dev, "its boot disk " + dev + " is <shareable/> (other domains may have it open)");
        }
        String type = d.getAttribute("type");
        if (type.equals("volume") && source != null && !source.getAttribute("pool").isEmpty() && !source.getAttribute("volume").isEmpty()
                && source.getAttribute("mode").isEmpty()) {
            if (!FORMATS.contains(format)) {
                return new BootDisk(null, format, dev, "its boot disk " + dev + " is " + format + "; bootmedic reads raw, qcow2, VHD (vpc) and VHDX");
            }
            return new BootDisk(null, format, dev, null, source.getAttribute("pool"), source.getAttribute("volume"));
        }
        if (!type.equals("file")) {
            String what = switch (type) {
                case "block" -> "the host block device " + (source != null ? source.getAttribute("dev") : "?") + " (LVM, zvol, multipath)";
                case "network" -> "network storage (" + (source != null ? source.getAttribute("protocol") + " " + source.getAttribute("name") : "?") + ")";
                case "volume" -> "a storage-pool volume (" + (source != null ? source.getAttribute("pool") + "/" + source.getAttribute("volume") : "?")
                        + ") of an iSCSI pool (mode='direct' or 'host'), which this route does not copy";
                default -> "of source type '" + type + "'";
            };
            return new BootDisk(null, format, dev, "its boot disk " + dev + " is " + what + "; this route copies disk files");
        }
        String file = source != null ? source.getAttribute("file") : "";
        if (file.isEmpty()) {
            return new BootDisk(null, format, dev, "its boot disk " + dev + " has no source file");
        }
        if (!FORMATS.contains(format)) {
            return new BootDisk(file, format, dev, "its boot disk " + file + " is " + format + "; bootmedic reads raw, qcow2, VHD (vpc) and VHDX");
        }
        return new BootDisk(file, format, dev, null);
    }

    /** This document with the boot disk's source set to the file {@code file}; anything libvirt knew of the old source's backing chain is dropped. */
    String withBootFile(String target, String file) {
        Element source = bootSource(target);
        ((Element) source.getParentNode()).setAttribute("type", "file");
        for (String a : List.of("pool", "volume", "mode")) {
            source.removeAttribute(a);
        }
        source.setAttribute("file", file);
        return write();
    }

    /** This document with the boot disk's source set back to a storage-pool volume. */
    String withBootVolume(String target, String pool, String volume) {
        Element source = bootSource(target);
        ((Element) source.getParentNode()).setAttribute("type", "volume");
        source.removeAttribute("file");
        source.setAttribute("pool", pool);
        source.setAttribute("volume", volume);
        return write();
    }

    private Element bootSource(String target) {
        Element d = bootElement(target);
        Element source = d == null ? null : child(d, "source");
        if (source == null || !(d.getAttribute("type").equals("file") || d.getAttribute("type").equals("volume"))) {
            throw new IllegalStateException("the domain has no file or volume boot disk to change");
        }
        Element backing = child(d, "backingStore");
        if (backing != null) {
            d.removeChild(backing); // the new source's chain is probed anew by libvirt
        }
        return source;
    }

    private String write() {
        try {
            Transformer tr = TransformerFactory.newInstance().newTransformer();
            tr.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            StringWriter w = new StringWriter();
            tr.transform(new DOMSource(doc), new StreamResult(w));
            return w.toString();
        } catch (Exception e) {
            throw new IllegalStateException("cannot write the domain XML: " + e.getMessage(), e);
        }
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName())) {
                return e;
            }
        }
        return null;
    }

    private static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? null : e.getTextContent().strip();
    }
}
