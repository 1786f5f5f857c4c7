package io.bootmedic.remediation;

import io.bootmedic.fs.FileDigest;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.playbook.RepairRule;

import java.io.IOException;
import java.util.Optional;

/** Whether a repair rule's {@code when} holds on a Windows volume (the file named, its presence or its hash). */
public final class RuleConditions {
    private RuleConditions() {
    }

    public static boolean holds(FileTree tree, RepairRule.When w) throws IOException {
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

    /** For the report: what the condition asked. */
    public static String describe(RepairRule.When w) {
        return w.sha256().isEmpty() ? w.file() + (w.exists() ? " exists" : " is absent") : w.file() + " has one of " + w.sha256().size() + " SHA-256";
    }
}
