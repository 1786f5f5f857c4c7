/**
 * The agent's side of the collector API: pinned TLS, backoff, the outbox of reports not yet delivered.
 */
package io.bootmedic.collector.client;
