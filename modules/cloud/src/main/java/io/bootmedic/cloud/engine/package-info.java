/**
 * The mass-remediation engine (issue 24): one state machine per VM ({@link io.bootmedic.cloud.engine.Step}), recorded in a
 * durable journal before each transition is taken ({@link io.bootmedic.cloud.engine.Journal}), driven by a single-threaded
 * scheduler in (real or virtual) time ({@link io.bootmedic.cloud.engine.Engine}) against any
 * {@link io.bootmedic.cloud.provider.CloudProvider}. The invariants of docs/mass-remediation.md "The engine" are enforced
 * here, once, not in each adapter.
 */
package io.bootmedic.cloud.engine;
