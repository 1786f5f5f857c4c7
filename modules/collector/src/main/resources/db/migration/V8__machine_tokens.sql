-- Per-machine credentials (docs/self-healing.md §1): arming a machine enrols it, and the token it
-- gets is bound to that machine's identity, tags and BitLocker key IDs. Only the SHA-256 of a token
-- is stored (tokens are 256 random bits). A token is never deleted, only revoked, so the audit
-- trail can always name the machine behind an actor "machine:<id>".
CREATE TABLE machine_tokens (
    id            TEXT PRIMARY KEY,          -- public id: the first 12 hex digits of the hash
    sha256        TEXT NOT NULL UNIQUE,
    machine_id    TEXT NOT NULL,             -- derived as for reports and readiness
    computer_name TEXT NOT NULL,
    bios_serial   TEXT,
    vm_id         TEXT,
    tags          TEXT NOT NULL,             -- JSON object of the machine's agent.conf tags
    key_ids       TEXT NOT NULL,             -- comma-separated BitLocker key IDs (upper-case GUIDs)
    enrolled_at   BIGINT NOT NULL,
    enrolled_by   TEXT NOT NULL,             -- the enrolment token's actor
    revoked_at    BIGINT,
    revoked_by    TEXT
);
CREATE INDEX machine_tokens_machine ON machine_tokens (machine_id);
-- One key ID belongs to one machine: at most one live token may hold it.
CREATE TABLE machine_token_keys (
    key_id   TEXT PRIMARY KEY,
    token_id TEXT NOT NULL
);
