/**
 * The run report (schema bootmedic.report/v1): its record, its JSON, where it is written, and its typed vocabulary
 * ({@code RunMode}). Part of the foundation: it depends on {@code fs} and {@code util} only.
 */
package io.bootmedic.report;
