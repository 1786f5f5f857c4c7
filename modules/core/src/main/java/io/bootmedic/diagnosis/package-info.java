/**
 * The read-only diagnosis in every report (issue 25): crash dump headers ({@link io.bootmedic.diagnosis.CrashDumpReader}:
 * kernel {@code PAGEDU64}/{@code PAGEDUMP} dumps and user-mode {@code MDMP} minidumps, read in bounded pieces, never
 * trusting a length), servicing operations pending for the next boot ({@link io.bootmedic.diagnosis.PendingUpdates}) and
 * hives Windows did not close cleanly ({@link io.bootmedic.diagnosis.DirtyHives}). Nothing here writes; the engine
 * reaches it through {@link io.bootmedic.remediation.Diagnoser} (META-INF/services). docs/diagnosis.md says which layouts
 * were checked against real Windows dumps.
 */
package io.bootmedic.diagnosis;
