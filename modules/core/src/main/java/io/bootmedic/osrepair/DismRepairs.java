package io.bootmedic.osrepair;

import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.platform.CommandRunner;
import io.bootmedic.playbook.Glob;
import io.bootmedic.playbook.RepairRule;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.Verdict;
import io.bootmedic.report.FileAction;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The update rules through DISM: the image's packages are listed first, and nothing is run when the list cannot be read.
 * {@code revert-pending-updates} runs {@code /Cleanup-Image /RevertPendingActions} only where something is pending (a
 * package in a pending state, or {@code Windows\WinSxS\pending.xml}); {@code remove-package} runs
 * {@code /Remove-Package} for each installed package whose identity matches the glob, one at a time, stopping at the
 * first failure. DISM's changes cannot be undone by bootmedic: the report says so.
 */
final class DismRepairs {
    static final Duration LIST_TIMEOUT = Duration.ofMinutes(10);
    /** Reverting or removing a cumulative update can take most of an hour on a slow disk. */
    static final Duration CHANGE_TIMEOUT = Duration.ofMinutes(90);
    static final int REBOOT_REQUIRED = 3010;
    static final RelPath PENDING_XML = RelPath.of("Windows/WinSxS/pending.xml");
    /** The states a package can be removed from; a superseded or already uninstall-pending one is left alone. */
    static final Set<String> REMOVABLE = Set.of("installed", "install pending", "partially installed");
    static final String NO_UNDO = "DISM's changes cannot be undone by bootmedic ('bootmedic undo' does not reach them)";

    private final CommandRunner runner;

    DismRepairs(CommandRunner runner) {
        this.runner = runner;
    }

    /** DISM's image option: {@code /Online} for the Windows bootmedic runs on, else {@code /Image:<root>}. */
    static String imageOption(Path root, boolean live) {
        if (live) {
            return "/Online";
        }
        String r = root.toString();
        // a trailing backslash before the quote Java adds around a path with spaces would escape the quote
        if (r.length() > 3 && (r.endsWith("\\") || r.endsWith("/"))) {
            r = r.substring(0, r.length() - 1);
        }
        return "/Image:" + r;
    }

    static List<String> command(String image, String... args) {
        List<String> cmd = new ArrayList<>(List.of("dism.exe", "/English", image));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The listing, or the one line saying why there is none. */
    private record Listing(List<DismOutput.Package> packages, String error) {
    }

    private Listing list(String image) throws IOException {
        List<String> cmd = command(image, "/Get-Packages", "/Format:Table");
        CommandRunner.Result r = runner.run(cmd, LIST_TIMEOUT);
        if (r.exitCode() != 0) {
            return new Listing(null, "DISM could not list the image's packages (" + String.join(" ", cmd) + " exited " + DismOutput.code(r.exitCode())
                    + ": " + DismOutput.error(r.output()) + "); nothing was changed");
        }
        try {
            return new Listing(DismOutput.packages(r.output()), null);
        } catch (DismOutput.UnreadableException e) {
            return new Listing(null, e.getMessage() + ", so nothing was changed. Run " + String.join(" ", cmd) + " to see it");
        }
    }

    ActionResult revertPending(RepairRule.RevertPendingUpdates rule, FileTree tree, Path root, boolean live, boolean dryRun) throws IOException {
        String image = imageOption(root, live);
        if (live) {
            return Outcomes.of(rule, "DISM " + image, Verdict.NEEDS_REPAIR, FileAction.NOT_DONE_HERE, null, "DISM reverts pending actions only in an "
                    + "image that is not running: this is the Windows bootmedic runs on. Run bootmedic from WinRE or WinPE (fix --all); nothing was changed");
        }
        Listing listing = list(image);
        if (listing.error() != null) {
            return Outcomes.failed(rule, "DISM " + image, listing.error());
        }
        List<String> pending = listing.packages().stream().filter(DismOutput.Package::pending).map(p -> p.identity() + " (" + p.state() + ")").toList();
        boolean pendingXml = SafePaths.resolve(tree, PENDING_XML).isPresent();
        String found = (pending.isEmpty() ? "no package pending" : "pending: " + String.join(", ", pending))
                + (pendingXml ? "; " + PENDING_XML + " present" : "");
        if (pending.isEmpty() && !pendingXml) {
            return Outcomes.notNeeded(rule, "DISM " + image, "nothing pending: no package is install or uninstall pending and " + PENDING_XML + " is absent");
        }
        if (dryRun) {
            return Outcomes.of(rule, "DISM " + image, Verdict.NEEDS_REPAIR, FileAction.WOULD_REPAIR, null, found + "; would run DISM /Cleanup-Image "
                    + "/RevertPendingActions. " + NO_UNDO);
        }
        List<String> cmd = command(image, "/Cleanup-Image", "/RevertPendingActions");
        CommandRunner.Result r = runner.run(cmd, CHANGE_TIMEOUT);
        if (r.exitCode() != 0 && r.exitCode() != REBOOT_REQUIRED) {
            return Outcomes.failed(rule, "DISM " + image, "DISM /Cleanup-Image /RevertPendingActions failed (" + DismOutput.code(r.exitCode()) + ": "
                    + DismOutput.error(r.output()) + "); " + found + ". Its log is Windows\\Logs\\DISM\\dism.log of the running system");
        }
        return Outcomes.of(rule, "DISM " + image, Verdict.NEEDS_REPAIR, FileAction.REPAIRED, null, found + "; reverted by DISM /Cleanup-Image "
                + "/RevertPendingActions" + (r.exitCode() == REBOOT_REQUIRED ? " (3010: a restart completes it)" : "") + ". " + NO_UNDO);
    }

    ActionResult removePackage(RepairRule.RemovePackage rule, Path root, boolean live, boolean dryRun) throws IOException {
        String image = imageOption(root, live);
        Listing listing = list(image);
        if (listing.error() != null) {
            return Outcomes.failed(rule, "DISM " + image, listing.error());
        }
        List<DismOutput.Package> matching = listing.packages().stream().filter(p -> Glob.matches(rule.packageGlob(), p.identity())).toList();
        List<DismOutput.Package> removable = matching.stream().filter(p -> REMOVABLE.contains(p.state().toLowerCase(java.util.Locale.ROOT))).toList();
        List<String> left = matching.stream().filter(p -> !removable.contains(p)).map(p -> p.identity() + " (" + p.state() + ")").toList();
        String leftNote = left.isEmpty() ? "" : "; left alone: " + String.join(", ", left);
        if (removable.isEmpty()) {
            return Outcomes.notNeeded(rule, "DISM " + image, "no installed package matches " + rule.packageGlob() + " among " + listing.packages().size()
                    + leftNote);
        }
        List<String> names = removable.stream().map(p -> p.identity() + " (" + p.state() + ")").toList();
        if (dryRun) {
            return Outcomes.of(rule, "DISM " + image, Verdict.NEEDS_REPAIR, FileAction.WOULD_REPAIR, null, "would remove " + String.join(", ", names)
                    + leftNote + ". " + NO_UNDO);
        }
        List<String> removed = new ArrayList<>();
        boolean restart = false;
        for (DismOutput.Package p : removable) {
            List<String> cmd = command(image, "/Remove-Package", "/PackageName:" + p.identity(), "/NoRestart");
            CommandRunner.Result r = runner.run(cmd, CHANGE_TIMEOUT);
            if (r.exitCode() != 0 && r.exitCode() != REBOOT_REQUIRED) {
                return Outcomes.failed(rule, "DISM " + image, "DISM could not remove " + p.identity() + " (" + DismOutput.code(r.exitCode()) + ": "
                        + DismOutput.error(r.output()) + ")" + (removed.isEmpty() ? "; nothing was removed" : "; removed before it: " + String.join(", ", removed))
                        + ". " + NO_UNDO);
            }
            restart |= r.exitCode() == REBOOT_REQUIRED;
            removed.add(p.identity());
        }
        return Outcomes.of(rule, "DISM " + image, Verdict.NEEDS_REPAIR, FileAction.REPAIRED, null, "removed " + String.join(", ", removed)
                + (restart ? " (3010: a restart completes it)" : "") + leftNote + ". " + NO_UNDO);
    }
}
