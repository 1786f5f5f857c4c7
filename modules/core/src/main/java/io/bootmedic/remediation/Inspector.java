package io.bootmedic.remediation;

import io.bootmedic.format.Printable;
import io.bootmedic.fs.FileDigest;
import io.bootmedic.fs.FileStat;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.fs.UnsafePathException;
import io.bootmedic.playbook.Playbook;
import io.bootmedic.playbook.Rule;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Read-only: finds the files each rule names and gives each a verdict. */
public final class Inspector {

    public List<Finding> inspect(FileTree tree, Playbook playbook) throws IOException {
        List<Finding> findings = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>(); // upper-cased: NTFS names are case-insensitive
        for (Rule rule : playbook.rules()) {
            // two playbooks may name the same file: the first rule decides, or the file would be moved twice
            inspect(tree, rule).stream().filter(f -> seen.add(f.path().toString().toUpperCase(java.util.Locale.ROOT))).forEach(findings::add);
        }
        return findings;
    }

    private List<Finding> inspect(FileTree tree, Rule rule) throws IOException {
        Optional<RelPath> dir = SafePaths.resolve(tree, rule.directory());
        if (dir.isEmpty()) {
            return List.of();
        }
        Optional<FileStat> dirStat = tree.stat(dir.get());
        if (dirStat.isEmpty() || !dirStat.get().isDirectory()) {
            return List.of();
        }
        List<FileStat> entries = new ArrayList<>(tree.list(dir.get()));
        entries.sort(Comparator.comparing(FileStat::name));
        List<Finding> findings = new ArrayList<>();
        for (FileStat entry : entries) {
            if (rule.matchesName(entry.name())) {
                if (!RelPath.isValidComponent(entry.name())) {
                    // e.g. a '\\' in a POSIX-namespace NTFS name: Windows could not have written it, and it cannot be moved safely
                    throw new UnsafePathException("'" + dir.get() + "' on " + tree.describe() + " holds a file whose name matches rule " + rule.id()
                            + " but is not a name Windows allows (" + printable(entry.name()) + "). Nothing was changed; inspect the folder by hand.");
                }
                findings.add(judge(tree, rule, dir.get().resolve(entry.name()), entry));
            }
        }
        return findings;
    }

    private static String printable(String name) {
        return "'" + Printable.of(name, 300) + "'";
    }

    private Finding judge(FileTree tree, Rule rule, RelPath path, FileStat stat) throws IOException {
        if (!stat.isFile()) {
            return new Finding(rule, path, stat.size(), null, stat.times(), Verdict.OUT_OF_SCOPE);
        }
        FileDigest digest = FileDigest.of(tree, path, rule.header().length);
        return new Finding(rule, path, digest.size(), digest.sha256(), stat.times(), verdict(rule, digest.head(), stat.modified()));
    }

    static Verdict verdict(Rule rule, byte[] head, Instant modified) {
        if (!Arrays.equals(head, rule.header())) {
            return Verdict.NOT_A_CHANNEL_FILE;
        }
        boolean beforeFix = rule.modifiedBefore() == null || (modified != null && modified.isBefore(rule.modifiedBefore()));
        boolean afterStart = rule.modifiedAfter() == null || (modified != null && !modified.isBefore(rule.modifiedAfter()));
        return beforeFix && afterStart ? Verdict.FAULTY : Verdict.REVERTED_GOOD;
    }
}
