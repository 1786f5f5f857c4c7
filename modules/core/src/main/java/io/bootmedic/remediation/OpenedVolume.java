package io.bootmedic.remediation;

import io.bootmedic.fs.FileTree;
import io.bootmedic.report.Report;

/**
 * One volume a target yields. {@code tree} is null when the volume stayed locked; then
 * {@code lockedMessage} says why and what to do.
 *
 * @param journal     NTFS journal state: clean, unclean, hibernated, or n/a when the OS mounted it
 * @param neutralizer how to make files harmless in place when the journal forbids metadata changes, or null
 */
public record OpenedVolume(FileTree tree, String volumeId, String label, String fileSystem, Report.BitLocker bitlocker,
                           String journal, String lockedMessage, Neutralizer neutralizer) {

    public OpenedVolume(FileTree tree, String volumeId, String label, String fileSystem, Report.BitLocker bitlocker,
                        String journal, String lockedMessage) {
        this(tree, volumeId, label, fileSystem, bitlocker, journal, lockedMessage, null);
    }

    public boolean locked() {
        return tree == null;
    }
}
