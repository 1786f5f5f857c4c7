package io.bootmedic.osrepair;

import io.bootmedic.platform.CommandRunner;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * dism.exe as strict as the real one about what this code sends: only {@code dism.exe /English <image> ...} with the
 * image it was made for, only the servicing options bootmedic uses, {@code /Remove-Package} only for a package the image
 * has in a removable state, and {@code /RevertPendingActions} never on the running system. Changes its package list as
 * DISM would; answers in the recorded form. Removals answer 3010 (a restart completes them) unless told otherwise.
 */
final class FakeDism implements CommandRunner {
    final String image;
    final List<DismRecordings.Row> rows;
    final List<List<String>> commands = new ArrayList<>();
    /** When set, /Get-Packages prints this instead of the table. */
    String listing;
    int removeExit = 3010;
    int revertExit = 0;
    /** Fail the removal of this package (the second of two, say). */
    String failRemovalOf;

    FakeDism(String image, List<DismRecordings.Row> rows) {
        this.image = image;
        this.rows = new ArrayList<>(rows);
    }

    @Override
    public Result run(List<String> command, Duration timeout) {
        commands.add(command);
        if (command.size() < 4 || !command.get(0).equals("dism.exe") || !command.get(1).equals("/English") || !command.get(2).equals(image)) {
            throw new AssertionError("not a DISM command for " + image + ": " + command);
        }
        List<String> rest = command.subList(3, command.size());
        if (rest.equals(List.of("/Get-Packages", "/Format:Table"))) {
            return new Result(0, DismRecordings.piped(listing != null ? listing : DismRecordings.table(rows)));
        }
        if (rest.equals(List.of("/Cleanup-Image", "/RevertPendingActions"))) {
            if (image.equals("/Online")) {
                throw new AssertionError("RevertPendingActions is not supported on a running operating system");
            }
            if (revertExit != 0) {
                return new Result(revertExit, DismRecordings.piped(DismRecordings.failed(DismOutput.code(revertExit).toLowerCase(java.util.Locale.ROOT),
                        "Die Datei ist beschädigt und kann nicht gelesen werden.")));
            }
            rows.replaceAll(r -> r.state().equals("Install Pending") ? new DismRecordings.Row(r.identity(), "Uninstall Pending", r.release(), r.time()) : r);
            return new Result(0, DismRecordings.piped(DismRecordings.BANNER + "Reverting pending actions from the image...\r\n\r\n" + DismRecordings.DONE));
        }
        if (rest.size() == 3 && rest.get(0).equals("/Remove-Package") && rest.get(1).startsWith("/PackageName:") && rest.get(2).equals("/NoRestart")) {
            String name = rest.get(1).substring("/PackageName:".length());
            DismRecordings.Row row = rows.stream().filter(r -> r.identity().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("DISM was asked to remove a package the image does not have: " + name));
            if (!DismRepairs.REMOVABLE.contains(row.state().toLowerCase(java.util.Locale.ROOT))) {
                throw new AssertionError("asked to remove " + name + " in state " + row.state());
            }
            if (name.equals(failRemovalOf)) {
                return new Result(0x800f0825, DismRecordings.piped(DismRecordings.failed("0x800f0825", "Package " + name
                        + " may have failed due to pending updates to servicing components in the image. Try the command again.")));
            }
            rows.set(rows.indexOf(row), new DismRecordings.Row(name, "Uninstall Pending", row.release(), row.time()));
            return new Result(removeExit, DismRecordings.piped(DismRecordings.changed("Processing 1 of 1 - Removing package " + name)));
        }
        throw new AssertionError("a DISM option bootmedic does not use: " + command);
    }
}
