/**
 * The worker side every cloud route shares: scripts/lib/worker-fix.sh as the jar carries it, sent as one shell line,
 * and the reading of its output (the writer's exit, whether bootmedic changed the copy, whether the device is free).
 */
package io.bootmedic.cloud.worker;
