/**
 * The central collector: initialisation (certificate, tokens, master key), configuration, token handling.
 * {@code client} is the agent's side, {@code http} the API and dashboard, {@code store} the database (docs/design.md, the collector).
 */
package io.bootmedic.collector;
