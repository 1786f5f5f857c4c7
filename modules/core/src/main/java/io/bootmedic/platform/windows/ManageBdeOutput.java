package io.bootmedic.platform.windows;

import io.bootmedic.platform.BitLockerStatus;
import io.bootmedic.platform.LockState;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code manage-bde -status} and {@code -protectors -get} output in any display language.
 * It keys on what does not get translated: the order of the status fields, digits, "AES",
 * GUIDs, {@code ID:}, hex error codes. Known words (English, German) only confirm the lock state.
 */
public final class ManageBdeOutput {
    private static final Pattern GUID = Pattern.compile("\\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\\}");
    private static final Pattern ID_LINE = Pattern.compile("^\\s+ID:\\s*(" + GUID.pattern() + ")\\s*$");
    private static final Pattern FIELD = Pattern.compile("^\\s+([^:]+):\\s*(.*?)\\s*$");
    private static final Pattern METHOD = Pattern.compile("(XTS-AES|AES)[ -]?(128|256)(.*)", Pattern.CASE_INSENSITIVE);
    private static final Pattern RECOVERY_PASSWORD = Pattern.compile("\\d{6}(-\\d{6}){7}");
    private static final Pattern ERROR_CODE = Pattern.compile("0x(8[0-9A-Fa-f]{7})");
    // Status block fields, in the order every language version prints them.
    private static final int SIZE = 0;
    private static final int VERSION = 1;
    private static final int METHOD_FIELD = 4;
    private static final int LOCK = 6;
    private static final Set<String> LOCKED_WORDS = Set.of("locked", "gesperrt");
    private static final Set<String> UNLOCKED_WORDS = Set.of("unlocked", "entsperrt");

    private ManageBdeOutput() {
    }

    /**
     * Parses {@code manage-bde -status VOLUME} (one volume). Protector IDs are not in this
     * output; use {@link #recoveryPasswordIds} for those.
     */
    public static BitLockerStatus parseStatus(String output) {
        List<String> values = new ArrayList<>();
        boolean inBlock = false;
        for (String line : output.split("\\R")) {
            if (!inBlock) {
                // the block starts after the "Volume X: [label]" heading and the "[OS Volume]" line
                inBlock = line.startsWith(" ") && FIELD.matcher(line).matches();
            }
            if (inBlock) {
                Matcher f = FIELD.matcher(line);
                if (f.matches()) {
                    values.add(f.group(2));
                } else if (!line.isBlank() && !line.startsWith("        ")) {
                    break;
                }
            }
        }
        if (values.size() <= LOCK) {
            throw new IllegalArgumentException("manage-bde -status printed " + values.size()
                    + " fields where at least 7 were expected: is this manage-bde output for one volume? "
                    + "Run manage-bde -status by hand and attach its output to the ticket");
        }
        String method = method(values.get(METHOD_FIELD));
        boolean bitLockerOn = hasDigit(values.get(VERSION)) || method != null;
        if (!bitLockerOn) {
            return new BitLockerStatus(LockState.NOT_ENCRYPTED, null, List.of());
        }
        return new BitLockerStatus(lockState(values.get(LOCK), values.get(SIZE)), method, List.of());
    }

    private static LockState lockState(String lockValue, String sizeValue) {
        String word = lockValue.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}]", "");
        if (LOCKED_WORDS.contains(word)) {
            return LockState.LOCKED;
        }
        if (UNLOCKED_WORDS.contains(word)) {
            return LockState.UNLOCKED;
        }
        // Other languages: Windows cannot tell the size of a volume it cannot read.
        return hasDigit(sizeValue) ? LockState.UNLOCKED : LockState.LOCKED;
    }

    /** "XTS-AES 128" → "XTS-AES-128"; the report's spelling. Null when the value names no AES mode. */
    static String method(String value) {
        Matcher m = METHOD.matcher(value.trim());
        if (!m.find()) {
            return null;
        }
        String suffix = m.group(3).toLowerCase(Locale.ROOT).contains("diffuser") ? "-DIFFUSER" : "";
        return m.group(1).toUpperCase(Locale.ROOT) + "-" + m.group(2) + suffix;
    }

    /**
     * The recovery-password protector IDs from {@code manage-bde -protectors -get VOLUME -Type RecoveryPassword}.
     * Each protector is an {@code ID: {GUID}} line; GUIDs elsewhere (.BEK file names) are ignored.
     * Given an unfiltered listing of an unlocked volume, only protectors followed by a 48-digit
     * password are kept, since that is what makes a protector a recovery password.
     */
    public static List<String> recoveryPasswordIds(String output) {
        Set<String> all = new LinkedHashSet<>();
        Set<String> withPassword = new LinkedHashSet<>();
        String current = null;
        for (String line : output.split("\\R")) {
            Matcher m = ID_LINE.matcher(line);
            if (m.matches()) {
                current = m.group(1).toUpperCase(Locale.ROOT);
                all.add(current);
            } else if (current != null && RECOVERY_PASSWORD.matcher(line.strip()).matches()) {
                withPassword.add(current);
            }
        }
        return List.copyOf(withPassword.isEmpty() ? all : withPassword);
    }

    /** The error code manage-bde printed, e.g. 0x80310027, or 0 when there is none. */
    public static int errorCode(String output) {
        Matcher m = ERROR_CODE.matcher(output);
        return m.find() ? (int) Long.parseLong(m.group(1), 16) : 0;
    }

    /** The output with every recovery password replaced, safe to put into a message or log. */
    public static String redact(String output) {
        return RECOVERY_PASSWORD.matcher(output).replaceAll("<recovery password hidden>");
    }

    private static boolean hasDigit(String s) {
        return s.chars().anyMatch(Character::isDigit);
    }
}
