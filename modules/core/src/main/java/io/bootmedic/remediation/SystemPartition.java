package io.bootmedic.remediation;

import io.bootmedic.playbook.RepairRule;

import java.io.IOException;
import java.util.List;

/**
 * A partition holding a machine's boot configuration (the EFI system partition's BCD), where the boot rules of a
 * playbook (safe-mode, boot-status-policy) act. It is never encrypted, so these rules work with no BitLocker key; a
 * target provides these beside its Windows volumes, with its own journal and undo.
 */
public interface SystemPartition {
    String volumeId();

    /** For the report and messages: "disk.img partition 1 (EFI system partition)". */
    String label();

    /** "FAT32", for the report. */
    String fileSystem();

    /** Applies the boot rules (their 'when' already checked), journalled before the first byte; a dry run changes nothing. */
    List<ActionResult> apply(String runId, String playbookId, List<RepairRule> rules, boolean dryRun) throws IOException;

    /** Puts back what a run (null: the newest) changed here. */
    Undo.Result undo(String runId) throws IOException;

    /** The rules that act on the boot configuration, not on a Windows volume. */
    static boolean isBootRule(RepairRule r) {
        return r instanceof RepairRule.SafeMode || r instanceof RepairRule.BootStatusPolicy;
    }
}
