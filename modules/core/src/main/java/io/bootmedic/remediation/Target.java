package io.bootmedic.remediation;

import io.bootmedic.report.RunMode;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/** Where the Windows volumes come from: a mounted directory, an image, a device, every local disk. */
public interface Target extends Closeable {

    /** The report's mode. */
    RunMode mode();

    /** What to call the target in messages. */
    String describe();

    /** Opens every volume that may hold Windows; unlocks what it can. */
    List<OpenedVolume> open() throws IOException;

    /** Things the person should know that are not in the report: volumes passed over and why. */
    default List<String> notes() {
        return List.of();
    }

    /** Things the report should say about the whole run: which volumes were chosen to look at, and how. */
    default List<String> reportNotes() {
        return List.of();
    }

    /** The partitions holding the boot configuration that {@link #open} found (an image's EFI system partition); none by default. */
    default List<SystemPartition> systemPartitions() {
        return List.of();
    }

    /**
     * Who applies the playbook's repair rules (registry, boot configuration, updates) to this target's volumes: the
     * registry writer on the class path by default; on Windows the OS's own tools (io.bootmedic.osrepair).
     */
    default Repairs repairs() {
        return Repairs.load();
    }

    @Override
    default void close() throws IOException {
    }
}
