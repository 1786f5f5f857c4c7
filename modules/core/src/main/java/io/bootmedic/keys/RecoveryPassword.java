package io.bootmedic.keys;

import java.util.Arrays;

/**
 * A BitLocker recovery password: 8 groups of 6 digits, each divisible by 11 and below 720896.
 * Parsing names the first wrong group. The digits never appear in {@link #toString()} or in
 * exception messages, so an instance can be passed around without leaking the secret.
 */
public final class RecoveryPassword {
    public static final int GROUPS = 8;
    private final int[] groups;

    private RecoveryPassword(int[] groups) {
        this.groups = groups;
    }

    /**
     * Accepts the 48 digits with dashes, spaces, tabs or no separators at all (as pasted from a
     * spreadsheet or typed by a barcode scanner).
     */
    public static RecoveryPassword parse(CharSequence text) throws InvalidRecoveryPasswordException {
        StringBuilder digits = new StringBuilder(48);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                digits.append(c);
            } else if (c != '-' && c != ' ' && c != '\t' && c != '\u00a0' && c != '\r' && c != '\n' && c != '"' && c != '\'') {
                throw new InvalidRecoveryPasswordException("a recovery password holds only digits and dashes; found another character");
            }
        }
        if (digits.length() != 48) {
            throw new InvalidRecoveryPasswordException("a recovery password has 48 digits (8 groups of 6); found " + digits.length());
        }
        int[] groups = new int[GROUPS];
        for (int g = 0; g < GROUPS; g++) {
            int value = Integer.parseInt(digits.substring(g * 6, g * 6 + 6));
            String problem = groupProblem(value);
            if (problem != null) {
                Arrays.fill(groups, 0);
                digits.setLength(0);
                throw new InvalidRecoveryPasswordException("group " + (g + 1) + " of 8 is wrong (" + problem + "): check that group for a typo", g + 1);
            }
            groups[g] = value;
        }
        digits.setLength(0);
        return new RecoveryPassword(groups);
    }

    /** Why one 6-digit group is impossible, or null if it may be right. */
    public static String groupProblem(int value) {
        if (value % 11 != 0) {
            return "not divisible by 11";
        }
        if (value >= 720896) {
            return "above 720895";
        }
        return null;
    }

    /** The 16-byte key BitLocker derives from the groups: each group / 11 as a little-endian uint16. */
    public byte[] toKeyBytes() {
        byte[] key = new byte[16];
        for (int g = 0; g < GROUPS; g++) {
            int v = groups[g] / 11;
            key[2 * g] = (byte) v;
            key[2 * g + 1] = (byte) (v >>> 8);
        }
        return key;
    }

    /** The canonical dashed form, for writing into an encrypted bundle or a prompt echo only. */
    public String reveal() {
        StringBuilder out = new StringBuilder(55);
        for (int g = 0; g < GROUPS; g++) {
            if (g > 0) {
                out.append('-');
            }
            out.append(String.format("%06d", groups[g]));
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecoveryPassword && Arrays.equals(((RecoveryPassword) o).groups, groups);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(groups);
    }

    @Override
    public String toString() {
        return "RecoveryPassword[hidden]";
    }
}
