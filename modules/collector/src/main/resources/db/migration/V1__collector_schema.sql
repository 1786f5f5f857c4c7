-- One schema for SQLite and PostgreSQL: portable types only (TEXT, BIGINT epoch milliseconds, INTEGER).

-- One row per machine: the latest outcome, so the fleet view never scans the report history.
CREATE TABLE machines (
    id             TEXT PRIMARY KEY,   -- first 32 hex digits of SHA-256(identity): stable and URL-safe
    identity       TEXT NOT NULL,      -- what the id was derived from (name + VM id / BIOS serial / volume id)
    computer_name  TEXT,
    bios_serial    TEXT,
    vm_id          TEXT,
    volume_ids     TEXT,
    latest_outcome TEXT NOT NULL,
    latest_run_id  TEXT NOT NULL,
    latest_at      BIGINT NOT NULL,    -- when the agent finished the latest run
    first_seen     BIGINT NOT NULL,
    last_seen      BIGINT NOT NULL,    -- when the collector last received a report
    report_count   INTEGER NOT NULL
);
CREATE INDEX machines_outcome ON machines (latest_outcome, last_seen);
CREATE INDEX machines_last_seen ON machines (last_seen);
CREATE INDEX machines_name ON machines (computer_name);

-- Every report as received; run_id makes re-sending idempotent.
CREATE TABLE reports (
    run_id        TEXT PRIMARY KEY,
    machine_id    TEXT NOT NULL,
    received_at   BIGINT NOT NULL,
    finished_at   BIGINT NOT NULL,
    outcome       TEXT NOT NULL,
    mode          TEXT,
    agent_version TEXT,
    body          TEXT NOT NULL
);
CREATE INDEX reports_machine ON reports (machine_id, received_at);
CREATE INDEX reports_received ON reports (received_at, outcome);

-- Recovery passwords that were typed or released and should now be rotated.
CREATE TABLE key_rotations (
    key_id        TEXT PRIMARY KEY,
    machine_id    TEXT NOT NULL,
    computer_name TEXT,
    key_source    TEXT,
    run_id        TEXT NOT NULL,
    reported_at   BIGINT NOT NULL
);

-- Escrowed recovery passwords, sealed with the collector's master key (AES-256-GCM, key ID as AAD).
CREATE TABLE recovery_keys (
    key_id      TEXT PRIMARY KEY,      -- lower-case GUID without braces
    host        TEXT,
    source      TEXT,
    sealed      TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);

-- Key releases, refusals and imports. Written before a key leaves the collector.
CREATE TABLE audit (
    id       TEXT PRIMARY KEY,
    at       BIGINT NOT NULL,
    actor    TEXT NOT NULL,           -- token role and id, never the token
    action   TEXT NOT NULL,
    key_id   TEXT,
    remote   TEXT,
    detail   TEXT
);
CREATE INDEX audit_at ON audit (at);
