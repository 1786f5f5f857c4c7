/**
 * The engine: its input port ({@code Target} yields {@code OpenedVolume}s), one run from start to report
 * ({@code TargetRunner}), and plan and apply: inspect against the playbook, journal, quarantine, recover, undo.
 * Sees volumes only as {@code fs.FileTree}s (docs/design.md §1, §3).
 */
package io.bootmedic.remediation;
