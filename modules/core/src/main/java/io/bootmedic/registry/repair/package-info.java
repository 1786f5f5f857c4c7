/**
 * A playbook's registry rules applied to an offline volume: logs replayed in memory, the edits made and read back,
 * the hive replaced under the run's journal ({@code remediation.FileReplacer}). Provided to the engine as
 * {@code remediation.Repairs}.
 */
package io.bootmedic.registry.repair;
