/**
 * Offline hive writing: transaction-log replay in memory ({@link io.bootmedic.registry.edit.LogReplay}), an in-place
 * editor over the recovered bytes ({@link io.bootmedic.registry.edit.HiveEditor}) and the sealing of the result so
 * Windows never replays old log entries over it. Nothing here writes a file: callers get bytes, verified by re-reading.
 */
package io.bootmedic.registry.edit;
