/**
 * Small helpers with no knowledge of the pipeline: JSON, SHA-256, durable file writes, the agent version, the OS name.
 * The bottom of the dependency order with {@code format} (docs/design.md §1), whose {@link io.bootmedic.format.Printable}
 * it uses for names quoted in errors.
 */
package io.bootmedic.util;
