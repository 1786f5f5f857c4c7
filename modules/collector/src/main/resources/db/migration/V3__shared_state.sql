-- What several collectors behind one load balancer must agree on lives here, not in a process:
-- dashboard sessions, revoked tokens and the rate-limit buckets.

-- Dashboard sessions: the SHA-256 of the cookie's random id (a copy of the table holds no usable cookie).
CREATE TABLE sessions (
    id_sha256 TEXT PRIMARY KEY,
    token_id  TEXT NOT NULL,          -- the admin token it was made with: revoking that token ends it
    role      TEXT NOT NULL,
    expires   BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires);

-- Tokens revoked with 'collector token revoke': refused by every collector on this database,
-- whichever folder's tokens.json still lists them.
CREATE TABLE revoked_tokens (
    token_id   TEXT PRIMARY KEY,
    revoked_at BIGINT NOT NULL
);

-- Token buckets (key releases per token, logins per address): tokens left and when they were counted.
CREATE TABLE rate_buckets (
    bucket  TEXT PRIMARY KEY,
    tokens  DOUBLE PRECISION NOT NULL,
    at      BIGINT NOT NULL,
    allowed INTEGER NOT NULL
);
