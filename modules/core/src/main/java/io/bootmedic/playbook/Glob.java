package io.bootmedic.playbook;

/**
 * Matches a file name against a playbook glob ('*' any run of characters, '?' one character),
 * case-insensitively as NTFS compares names. Iterative, with one remembered star: each step moves
 * either the name or the pattern forward or backs up to the last star once, so the work is at most
 * name length × pattern length (255 × 255 for real names), never the exponential backtracking a
 * regular expression with many ".*" does on a hostile pattern.
 */
public final class Glob {
    private Glob() {
    }

    public static boolean matches(String glob, String name) {
        int p = 0;
        int n = 0;
        int star = -1;
        int starName = 0;
        while (n < name.length()) {
            if (p < glob.length() && glob.charAt(p) == '*') {
                star = p++;
                starName = n;
            } else if (p < glob.length() && (glob.charAt(p) == '?' || same(glob.charAt(p), name.charAt(n)))) {
                p++;
                n++;
            } else if (star >= 0) {
                p = star + 1;
                n = ++starName;
            } else {
                return false;
            }
        }
        while (p < glob.length() && glob.charAt(p) == '*') {
            p++;
        }
        return p == glob.length();
    }

    private static boolean same(char a, char b) {
        return a == b || Character.toUpperCase(a) == Character.toUpperCase(b) || Character.toLowerCase(a) == Character.toLowerCase(b);
    }
}
