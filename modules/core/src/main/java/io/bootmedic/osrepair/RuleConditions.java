package io.bootmedic.osrepair;

import io.bootmedic.fs.FileDigest;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.playbook.RepairRule;

import java.io.IOException;
import java.util.Optional;

/** A rule's {@code when}, read on the volume as the registry writer reads it (no links followed, names case-insensitive). */
final class RuleConditions {
    private final FileTree tree;

    RuleConditions(FileTree tree) {
        this.tree = tree;
    }

    boolean holds(RepairRule.When w) throws IOException {
        if (w == null) {
            return true;
        }
        Optional<RelPath> file = SafePaths.resolve(tree, w.file());
        if (file.isEmpty() || tree.stat(file.get()).map(s -> !s.isFile()).orElse(true)) {
            return !w.exists() && w.sha256().isEmpty();
        }
        if (w.sha256().isEmpty()) {
            return w.exists();
        }
        return w.sha256().contains(FileDigest.sha256(tree, file.get()));
    }

    static String describe(RepairRule.When w) {
        return w.sha256().isEmpty() ? w.file() + (w.exists() ? " exists" : " is absent") : w.file() + " has one of " + w.sha256().size() + " SHA-256";
    }
}
