package io.bootmedic.collector.store;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The crash facts and pending updates the collector keeps from the {@code diagnosis} object of a
 * report's volumes (docs/fleet-crashes.md). The diagnosis is information beside the run's outcome:
 * a report whose diagnosis is missing (older agents), malformed or hostile is still accepted, and
 * only the entries and fields that pass the checks here are kept. Every kept string matches a
 * narrow pattern and a length cap, and one report yields at most {@link #MAX_CRASHES} crashes.
 *
 * @param crashes the valid crash dumps of every volume, newest first, at most {@link #MAX_CRASHES}
 * @param pending whether the report says updates are pending: TRUE, FALSE, or null when no volume said
 * @param packages the pending packages named (at most {@link #MAX_PACKAGES})
 * @param evidence the files that show updates pending (at most {@link #MAX_EVIDENCE})
 * @param revertCommand the DISM command that reverts them, only in the one form DISM documents, else null
 * @param dropped crash entries and fields left out because they failed a check
 */
public record ReportDiagnosis(List<Crash> crashes, Boolean pending, List<String> packages, List<String> evidence, String revertCommand,
                              int dropped) {
    /** Crash dumps kept from one report (a machine rarely holds more minidumps; Windows keeps 50 at most by default). */
    public static final int MAX_CRASHES = 32;
    public static final int MAX_PACKAGES = 16;
    public static final int MAX_EVIDENCE = 8;
    /** Longest dump path kept (Windows' MAX_PATH). */
    public static final int MAX_PATH = 260;
    /** Entries of one list looked at, at most: a report holding a million bogus entries costs no more than this. */
    static final int MAX_SCANNED = 1024;

    /** A report with no diagnosis. */
    public static final ReportDiagnosis NONE = new ReportDiagnosis(List.of(), null, List.of(), List.of(), null, 0);

    /**
     * One crash dump as the agent read it from its header.
     *
     * @param file the dump's path in the volume, with forward slashes ({@code Windows/Minidump/071924-10234-01.dmp})
     * @param time the dump's time (epoch milliseconds), or 0 when the dump gave none
     * @param bugCheck {@code 0x} and 8 upper-case hex digits
     * @param bugCheckName the symbolic name ({@code PAGE_FAULT_IN_NONPAGED_AREA}), or null
     * @param faultingModule the driver's file name in lower case ({@code csagent.sys}), or null
     * @param kind the dump's kind ({@code triage}, {@code kernel}…), or null
     */
    public record Crash(String file, long time, String bugCheck, String bugCheckName, String faultingModule, String kind) {
    }

    private static final Pattern DUMP_FILE = Pattern.compile("[A-Za-z0-9._~+$#() /-]{1,260}");
    private static final Pattern HEX = Pattern.compile("0[xX]([0-9A-Fa-f]{1,16})");
    private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
    /** A driver's file name: no path, no character Windows forbids in a name, nothing markup could use. */
    private static final Pattern MODULE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._~+$#()-]{0,127}");
    private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    private static final Pattern PACKAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.~+-]{0,199}");
    /** The one revert command DISM documents, for the drive the agent saw Windows on. */
    private static final Pattern REVERT = Pattern.compile("DISM /Image:([A-Z]):\\\\ /Cleanup-Image /RevertPendingActions", Pattern.CASE_INSENSITIVE);
    /** Dumps older than this are a clock left unset, not a crash time. */
    private static final long EARLIEST = Instant.parse("2000-01-01T00:00:00Z").toEpochMilli();
    private static final long LATEST = Instant.parse("3000-01-01T00:00:00Z").toEpochMilli();

    /** The diagnosis of every volume of a report ({@code volumes}: the report's list, already checked to hold objects). */
    public static ReportDiagnosis of(List<?> volumes) {
        List<Crash> crashes = new ArrayList<>();
        Set<String> files = new java.util.HashSet<>();
        Set<String> packages = new LinkedHashSet<>();
        Set<String> evidence = new LinkedHashSet<>();
        Boolean pending = null;
        String revert = null;
        int dropped = 0;
        for (Object v : volumes) {
            if (!(v instanceof Map<?, ?> volume) || !(volume.get("diagnosis") instanceof Map<?, ?> diagnosis)) {
                continue;
            }
            if (diagnosis.get("crashDumps") instanceof List<?> dumps) {
                int scanned = 0;
                for (Object d : dumps) {
                    if (++scanned > MAX_SCANNED) {
                        dropped += dumps.size() - MAX_SCANNED;
                        break;
                    }
                    Crash c = crash(d);
                    // the same dump twice in one report (two volumes mounting one disk) is one crash
                    if (c == null || !files.add(c.file + "\n" + c.time)) {
                        dropped++;
                    } else {
                        crashes.add(c);
                    }
                }
            }
            if (diagnosis.get("pendingUpdates") instanceof Map<?, ?> updates && updates.get("pending") instanceof Boolean p) {
                pending = Boolean.TRUE.equals(pending) || p;
                if (p) {
                    dropped += strings(updates.get("packages"), PACKAGE, MAX_PACKAGES, packages, false);
                    dropped += strings(updates.get("evidence"), DUMP_FILE, MAX_EVIDENCE, evidence, true);
                    String command = updates.get("revertCommand") instanceof String s ? s.strip() : null;
                    if (revert == null && command != null && command.length() <= 100) {
                        var m = REVERT.matcher(command);
                        if (m.matches()) {
                            revert = "DISM /Image:" + m.group(1).toUpperCase(Locale.ROOT) + ":\\ /Cleanup-Image /RevertPendingActions";
                        }
                    }
                }
            }
        }
        if (crashes.size() > MAX_CRASHES) {
            // the newest are the ones that tell about the incident under way; dumps without a time go last
            crashes.sort(Comparator.comparingLong(Crash::time).reversed().thenComparing(Crash::file));
            dropped += crashes.size() - MAX_CRASHES;
            crashes = new ArrayList<>(crashes.subList(0, MAX_CRASHES));
        }
        if (crashes.isEmpty() && pending == null && dropped == 0) {
            return NONE;
        }
        return new ReportDiagnosis(List.copyOf(crashes), pending, List.copyOf(packages), List.copyOf(evidence), revert, dropped);
    }

    /** One crash entry, or null when it is not one the collector keeps (no readable bug check, no dump file). */
    static Crash crash(Object entry) {
        if (!(entry instanceof Map<?, ?> d)) {
            return null;
        }
        String file = d.get("file") instanceof String s && s.length() <= MAX_PATH ? s.replace('\\', '/') : null;
        if (file == null || !DUMP_FILE.matcher(file).matches() || !file.toLowerCase(Locale.ROOT).endsWith(".dmp") || file.contains("..")) {
            return null;
        }
        String bugCheck = bugCheck(d.get("bugCheck"));
        if (bugCheck == null) {
            return null;
        }
        return new Crash(file, time(d.get("time")), bugCheck, matching(d.get("bugCheckName"), NAME), module(d.get("faultingModule")),
                matching(d.get("kind"), KIND));
    }

    /** {@code 0x} and 8 upper-case hex digits, or null unless {@code v} is a hex number that fits the 32 bits of a bug-check code. */
    public static String bugCheck(Object v) {
        if (!(v instanceof String s) || s.length() > 18) {
            return null;
        }
        var m = HEX.matcher(s.strip());
        if (!m.matches()) {
            return null;
        }
        long code = Long.parseUnsignedLong(m.group(1), 16);
        if ((code >>> 32) != 0) {
            return null;
        }
        return String.format(Locale.ROOT, "0x%08X", code);
    }

    /** The driver's file name in lower case (Windows compares them without case), its path dropped; null unless a plausible name. */
    public static String module(Object v) {
        if (!(v instanceof String s) || s.length() > 512) {
            return null;
        }
        String name = s.strip();
        name = name.substring(Math.max(name.lastIndexOf('\\'), name.lastIndexOf('/')) + 1);
        return MODULE.matcher(name).matches() ? name.toLowerCase(Locale.ROOT) : null;
    }

    private static long time(Object v) {
        if (!(v instanceof String s) || s.length() > 40) {
            return 0;
        }
        try {
            long t = Instant.parse(s).toEpochMilli();
            return t >= EARLIEST && t < LATEST ? t : 0;
        } catch (DateTimeParseException | ArithmeticException e) {
            return 0;
        }
    }

    private static String matching(Object v, Pattern p) {
        return v instanceof String s && s.length() <= 256 && p.matcher(s).matches() ? s : null;
    }

    /** Adds the strings of list {@code v} that match (up to {@code max} in all); returns how many were left out. */
    private static int strings(Object v, Pattern p, int max, Set<String> into, boolean path) {
        if (!(v instanceof List<?> list)) {
            return 0;
        }
        int left = 0;
        int scanned = 0;
        for (Object o : list) {
            if (++scanned > MAX_SCANNED) {
                return left + list.size() - MAX_SCANNED;
            }
            String s = o instanceof String str && str.length() <= MAX_PATH ? (path ? str.replace('\\', '/') : str) : null;
            if (s != null && p.matcher(s).matches() && !(path && s.contains("..")) && (into.size() < max || into.contains(s))) {
                into.add(s);
            } else {
                left++;
            }
        }
        return left;
    }
}
