/**
 * The collector's storage: SQLite or PostgreSQL through Flyway migrations; reports, keys and their audited release, sessions, revocations.
 */
package io.bootmedic.collector.store;
