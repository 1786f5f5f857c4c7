/**
 * The many-targets loop ({@code BatchRun}): parallel, resumable through a state file, one bad disk never stops the others.
 */
package io.bootmedic.batch;
