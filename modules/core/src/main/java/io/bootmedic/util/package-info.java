/**
 * Small helpers with no knowledge of the pipeline: JSON, SHA-256, durable file writes, the agent version, the OS name.
 * The bottom of the dependency order (docs/design.md §1).
 */
package io.bootmedic.util;
