/**
 * The seam every cloud adapter implements (AWS SDK for Java 2, Azure SDK, Google Compute client, libvirt; the simulated
 * cloud in {@code cloud.sim} today): plain, observable operations on VMs, disks, snapshots and the worker's fix command,
 * with no policy. What may be called when, and what must be true first, is the engine's ({@code cloud.engine}), so each
 * adapter stays a thin translation of its SDK (issue 24, docs/mass-remediation.md "The engine").
 */
package io.bootmedic.cloud.provider;
