package io.bootmedic.rescue;

import io.bootmedic.format.Printable;
import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.keys.RecoveryPasswordPrompt;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;

/**
 * The console's numbered menu. It decides nothing on its own: without a choice (end of input on the
 * console) nothing is fixed and the init is told to open a shell.
 */
public final class RescueMenu {
    /** What the menu's choices do; the command implements them over the real disks, tests over fakes. */
    public interface Actions {
        /** The disks as the last look found them (refused ones included). */
        List<DiskState> disks();

        /** Lines about the disks left out (the stick, the data disk, empty readers), shown under the list. */
        default List<String> skipped() {
            return List.of();
        }

        void fixAll() throws IOException;

        /** @param disk one of {@link #disks()} that is not refused */
        void fix(DiskState disk) throws IOException;

        /** Keeps {@code password} in memory for the next looks and fixes and looks at the disk again; true when the volume opens with it. */
        boolean tryPassword(LockedVolume volume, RecoveryPassword password) throws IOException;

        void details() throws IOException;
    }

    /** Mistakes in one recovery password before the prompt gives up on it. */
    static final int PROMPT_MISTAKES = 8;

    private final BufferedReader in;
    private final PrintWriter out;
    private final Actions actions;

    public RescueMenu(BufferedReader in, PrintWriter out, Actions actions) {
        this.in = in;
        this.out = out;
        this.actions = actions;
    }

    /** Shows the screen and the menu until a person chooses shell, restart or power off. */
    public AfterStep run() throws IOException {
        screen();
        while (true) {
            menu();
            String line = in.readLine();
            if (line == null) {
                out.println("End of input on the console: nothing was fixed without a choice. Opening a shell.");
                return AfterStep.SHELL;
            }
            String choice = line.strip();
            switch (choice) {
                case "" -> screen();
                case "1" -> {
                    actions.fixAll();
                    screen();
                }
                case "2" -> fixOne();
                case "3" -> typePassword();
                case "4" -> actions.details();
                case "5" -> {
                    return AfterStep.SHELL;
                }
                case "6" -> {
                    return AfterStep.REBOOT;
                }
                case "7" -> {
                    return AfterStep.POWEROFF;
                }
                default -> out.println("Unknown choice '" + Printable.of(choice, 20) + "': type a number from 1 to 7 and Enter.");
            }
        }
    }

    private void screen() {
        out.println();
        RescueScreen.print(actions.disks(), actions.skipped(), out);
    }

    private void menu() {
        out.println();
        out.println("  1 fix all disks     2 fix one disk     3 type a recovery password");
        out.println("  4 show details      5 shell            6 restart     7 power off");
        out.print("Choice (1-7, Enter to show the disks again)> ");
        out.flush();
    }

    private List<DiskState> usable() {
        return actions.disks().stream().filter(d -> !d.disk().refused()).toList();
    }

    private void fixOne() throws IOException {
        List<DiskState> disks = usable();
        if (disks.isEmpty()) {
            out.println("No disk to fix.");
            return;
        }
        Optional<Integer> n = pick("Disk number (1-" + disks.size() + ", Enter to go back)> ", disks.size());
        if (n.isPresent()) {
            actions.fix(disks.get(n.get() - 1));
            screen();
        }
    }

    private void typePassword() throws IOException {
        List<LockedVolume> locked = RescueScreen.locked(actions.disks());
        if (locked.isEmpty()) {
            out.println("No volume is locked.");
            return;
        }
        LockedVolume v = locked.get(0);
        if (locked.size() > 1) {
            for (int i = 0; i < locked.size(); i++) {
                LockedVolume l = locked.get(i);
                out.println(String.format("%2d", i + 1) + "  " + Printable.of(l.disk() + "  " + l.volumeId() + "  recovery key ID " + l.recoveryKeyId()
                        + (l.computerName() == null ? "" : "  " + l.computerName())));
            }
            Optional<Integer> n = pick("Volume number (1-" + locked.size() + ", Enter to go back)> ", locked.size());
            if (n.isEmpty()) {
                return;
            }
            v = locked.get(n.get() - 1);
        }
        // the digits stay in this process's memory only: never on the screen, in a log or a report
        Optional<RecoveryPassword> password = new RecoveryPasswordPrompt(in, out, PROMPT_MISTAKES)
                .ask(Printable.of(v.disk() + " " + v.volumeId()), v.computerName() == null ? null : Printable.of(v.computerName()), v.recoveryKeyId());
        if (password.isEmpty()) {
            out.println("Skipped; the volume stays locked.");
            return;
        }
        if (actions.tryPassword(v, password.get())) {
            out.println("The recovery password opens " + Printable.of(v.volumeId()) + ". Choose 1 or 2 to fix it.");
        } else {
            out.println("That recovery password does not open " + Printable.of(v.volumeId()) + " (recovery key ID " + Printable.of(v.recoveryKeyId())
                    + "); it was forgotten. Check the key ID matches and type it again with 3.");
        }
        screen();
    }

    /** A number from 1 to {@code max}; empty on Enter, end of input or anything else (said). */
    private Optional<Integer> pick(String prompt, int max) throws IOException {
        out.print(prompt);
        out.flush();
        String line = in.readLine();
        if (line == null || line.isBlank()) {
            return Optional.empty();
        }
        String s = line.strip();
        if (s.matches("\\d{1,3}") && Integer.parseInt(s) >= 1 && Integer.parseInt(s) <= max) {
            return Optional.of(Integer.parseInt(s));
        }
        out.println("'" + Printable.of(s, 20) + "' is not a number from 1 to " + max + "; back to the menu.");
        return Optional.empty();
    }
}
