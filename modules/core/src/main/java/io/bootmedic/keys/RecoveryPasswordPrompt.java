package io.bootmedic.keys;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;

/**
 * Asks a person for a recovery password on a plain console (WinPE has nothing fancier). The 48
 * digits may come group by group, or all at once from a paste or a barcode scanner typing a whole
 * line; each group is checked as soon as it is complete, and a wrong one is named and asked again.
 * The digits are never printed back.
 */
public final class RecoveryPasswordPrompt {
    private final BufferedReader in;
    private final PrintWriter out;
    private final int maxMistakes;

    public RecoveryPasswordPrompt(BufferedReader in, PrintWriter out, int maxMistakes) {
        this.in = in;
        this.out = out;
        this.maxMistakes = maxMistakes;
    }

    /** Empty when the person skips (blank line or 'q') or makes too many mistakes. */
    public Optional<RecoveryPassword> ask(String volume, String computerName, String keyId) throws IOException {
        out.println();
        out.println("BitLocker volume " + volume + (computerName == null ? "" : " of computer " + computerName) + " is locked.");
        out.println("Recovery key ID: " + keyId + "   (the recovery screen and the admin portals show its first 8 characters: "
                + KeyId.normalize(keyId).substring(0, Math.min(8, KeyId.normalize(keyId).length())) + ")");
        out.println("Type the 48-digit recovery password: all at once or one group per line. Empty line or q to skip this volume.");
        StringBuilder digits = new StringBuilder(48);
        int mistakes = 0;
        while (digits.length() < 48) {
            out.print("group " + (digits.length() / 6 + 1) + " of 8> ");
            out.flush();
            String line = in.readLine();
            if (line == null || line.isBlank() || line.strip().equalsIgnoreCase("q")) {
                digits.setLength(0);
                return Optional.empty();
            }
            String typed = line.strip();
            if (!typed.matches("[0-9\\s-]+")) {
                out.println("  only digits and dashes, please; that line was ignored");
                continue;
            }
            int before = digits.length();
            typed.chars().filter(Character::isDigit).forEach(c -> digits.append((char) c));
            if (digits.length() > 48) {
                out.println("  that makes more than 48 digits; that line was ignored, type the remaining groups only");
                digits.setLength(before);
                continue;
            }
            int good = validPrefix(digits);
            if (good < digits.length()) {
                int group = good / 6 + 1;
                String problem = RecoveryPassword.groupProblem(Integer.parseInt(digits.substring(good, good + 6)));
                out.println("  group " + group + " is wrong (" + problem + "): type group " + group + " again");
                digits.setLength(good);
                if (++mistakes >= maxMistakes) {
                    out.println("  too many mistakes; skipping this volume");
                    digits.setLength(0);
                    return Optional.empty();
                }
            }
        }
        try {
            return Optional.of(RecoveryPassword.parse(digits));
        } catch (InvalidRecoveryPasswordException e) {
            return Optional.empty(); // cannot happen: every group was checked
        } finally {
            digits.setLength(0);
        }
    }

    /** How many leading digits form complete, plausible groups (plus a trailing partial group). */
    private static int validPrefix(CharSequence digits) {
        for (int g = 0; g + 6 <= digits.length(); g += 6) {
            if (RecoveryPassword.groupProblem(Integer.parseInt(digits.subSequence(g, g + 6).toString())) != null) {
                return g;
            }
        }
        return digits.length();
    }
}
