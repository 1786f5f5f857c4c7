/**
 * A deterministic simulated cloud behind {@link io.bootmedic.cloud.provider.CloudProvider}, driven by a seed and a virtual
 * clock: delays, stale reads, failed snapshots and attaches, throttling, 5xx before and after a write is applied, fix
 * commands that hang, time out with their writer alive, or are killed; it refuses what real clouds refuse and records every
 * write to every disk, so the engine's invariants can be checked after a run. Also the fleet-performance model
 * ({@link io.bootmedic.cloud.sim.Profile}) and the orchestrator "kill" used to test resume (docs/mass-remediation.md "The engine").
 */
package io.bootmedic.cloud.sim;
