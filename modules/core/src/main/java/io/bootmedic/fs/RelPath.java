package io.bootmedic.fs;

import io.bootmedic.format.Printable;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A path relative to a volume root, checked so that it can never leave the volume:
 * no "..", no ".", no empty parts, no drive letters or streams (":"), not absolute.
 * Accepts '/' and '\' as separators in {@link #of}; a single component ({@link #resolve(String)})
 * may contain neither, so a name read from a journal or a disk can never smuggle in a path.
 * No component may be a name Windows opens as a device (CON, NUL, COM1, ... with any extension):
 * such a path in a playbook or a journal would reach a device instead of a file on the volume.
 * Components keep their case.
 */
public final class RelPath {
    /** NTFS's limit on one name, in UTF-16 units. */
    public static final int MAX_NAME = 255;
    private static final RelPath ROOT = new RelPath(List.of());
    /**
     * The names Win32 maps to devices in every folder (Microsoft's "Naming Files, Paths, and
     * Namespaces"), compared case-insensitively: COM0 and LPT0 and the superscript-digit forms
     * are on that list too.
     */
    private static final Set<String> DEVICES = devices();
    private final List<String> parts;

    private RelPath(List<String> parts) {
        this.parts = Collections.unmodifiableList(parts);
    }

    public static RelPath root() {
        return ROOT;
    }

    /** Parses a volume-relative path, or throws {@link IllegalArgumentException} saying why it is unsafe. */
    public static RelPath of(String path) {
        if (path == null) {
            throw new IllegalArgumentException("path is missing");
        }
        String p = path.replace('\\', '/');
        if (p.startsWith("/")) {
            throw new IllegalArgumentException("'" + path + "' is absolute; paths must be relative to the volume root");
        }
        if (p.isEmpty()) {
            return ROOT;
        }
        List<String> parts = new ArrayList<>();
        for (String part : p.split("/", -1)) {
            parts.add(checkComponent(part, path));
        }
        return new RelPath(parts);
    }

    /** Whether {@code name} can be one component of a volume path (a file or folder name). */
    public static boolean isValidComponent(String name) {
        try {
            checkComponent(name, name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String checkComponent(String part, String whole) {
        if (part == null) {
            throw new IllegalArgumentException("a path component is missing");
        }
        if (part.isEmpty()) {
            throw new IllegalArgumentException("'" + whole + "' has an empty path component");
        }
        if (part.equals(".") || part.equals("..")) {
            throw new IllegalArgumentException("'" + whole + "' contains '" + part + "'; paths may not leave or skip around the volume");
        }
        if (part.length() > MAX_NAME) {
            throw new IllegalArgumentException("'" + whole.substring(0, 40) + "…' has a name longer than " + MAX_NAME + " characters, which NTFS does not allow");
        }
        if (part.indexOf('/') >= 0 || part.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("'" + whole + "' is one name but contains a '/' or '\\' (a path); names may not reach into other folders");
        }
        if (part.indexOf(':') >= 0) {
            throw new IllegalArgumentException("'" + whole + "' contains ':' (a drive letter or a stream); paths must be relative to the volume root");
        }
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c < 0x20 || "\"<>|".indexOf(c) >= 0) {
                throw new IllegalArgumentException("'" + whole + "' contains a character NTFS does not allow in names");
            }
        }
        if (isWindowsDeviceName(part)) {
            throw new IllegalArgumentException("'" + Printable.of(whole) + "' has a component '" + Printable.of(part) + "' that Windows opens as the device "
                    + deviceOf(part).toUpperCase(Locale.ROOT) + ", not as a file; paths may not name CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9, CONIN$ or CONOUT$, "
                    + "with or without an extension");
        }
        if (part.endsWith(".") || part.endsWith(" ")) {
            // Win32 strips these, so "CrowdStrike." would alias "CrowdStrike"
            throw new IllegalArgumentException("'" + whole + "' has a component ending in '.' or ' '");
        }
        return part;
    }

    /**
     * Whether Win32 would open {@code name} as a device rather than a file: CON, PRN, AUX, NUL,
     * COM0-COM9, LPT0-LPT9 (and COM/LPT with a superscript 1-3), CONIN$, CONOUT$, in any case, also
     * with an extension ("nul.txt", "COM1.sys") and with the trailing dots and spaces Win32 strips
     * ("con .", "aux. ").
     */
    public static boolean isWindowsDeviceName(String name) {
        return DEVICES.contains(deviceOf(name).toUpperCase(Locale.ROOT));
    }

    /** The part of a name Win32 compares with the device names: up to the first dot, without trailing dots and spaces. */
    private static String deviceOf(String name) {
        String n = stripDotsAndSpaces(name);
        int dot = n.indexOf('.');
        return stripDotsAndSpaces(dot >= 0 ? n.substring(0, dot) : n);
    }

    private static String stripDotsAndSpaces(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '.' || s.charAt(end - 1) == ' ')) {
            end--;
        }
        return s.substring(0, end);
    }

    private static Set<String> devices() {
        List<String> names = new ArrayList<>(List.of("CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"));
        for (String port : List.of("COM", "LPT")) {
            for (char d : "0123456789\u00B9\u00B2\u00B3".toCharArray()) {
                names.add(port + d);
            }
        }
        return Set.copyOf(names);
    }

    public RelPath resolve(String name) {
        List<String> next = new ArrayList<>(parts);
        next.add(checkComponent(name, name));
        return new RelPath(next);
    }

    public RelPath resolve(RelPath other) {
        List<String> next = new ArrayList<>(parts);
        next.addAll(other.parts);
        return new RelPath(next);
    }

    public RelPath parent() {
        if (parts.isEmpty()) {
            throw new IllegalStateException("the volume root has no parent");
        }
        return new RelPath(new ArrayList<>(parts.subList(0, parts.size() - 1)));
    }

    public String name() {
        return parts.isEmpty() ? "" : parts.get(parts.size() - 1);
    }

    public List<String> parts() {
        return parts;
    }

    public boolean isRoot() {
        return parts.isEmpty();
    }

    /** Case-insensitive comparison, as NTFS compares names. */
    public boolean equalsIgnoreCase(RelPath other) {
        if (other.parts.size() != parts.size()) {
            return false;
        }
        for (int i = 0; i < parts.size(); i++) {
            if (!parts.get(i).toUpperCase(Locale.ROOT).equals(other.parts.get(i).toUpperCase(Locale.ROOT))) {
                return false;
            }
        }
        return true;
    }

    /** Forward-slash form, as reports carry it. */
    @Override
    public String toString() {
        return String.join("/", parts);
    }

    public String toWindowsString() {
        return String.join("\\", parts);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RelPath && ((RelPath) o).parts.equals(parts);
    }

    @Override
    public int hashCode() {
        return parts.hashCode();
    }
}
