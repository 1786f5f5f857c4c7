-- Readiness of staged machines (bootmedic.readiness/v1, docs/design.md §8): the latest report per
-- machine, so the dashboard can say how much of the fleet is armed before the next incident.
-- machine_id is derived like the reports' (name + VM id / BIOS serial), so a machine's readiness
-- and its repair reports meet under one id.
CREATE TABLE readiness (
    machine_id       TEXT PRIMARY KEY,
    identity         TEXT NOT NULL,
    computer_name    TEXT,
    bios_serial      TEXT,
    vm_id            TEXT,
    agent_version    TEXT NOT NULL,
    trusted_keys     TEXT,              -- comma-separated playbook key IDs (16 hex digits each)
    winre_state      TEXT NOT NULL,     -- enabled | disabled
    winre_staged     INTEGER NOT NULL,  -- 1 when the agent is inside winre.wim
    winre_free_bytes BIGINT NOT NULL,   -- free space on the recovery partition
    winre_location   TEXT,
    reported_at      BIGINT NOT NULL,   -- the agent's clock
    received_at      BIGINT NOT NULL
);
CREATE INDEX readiness_received ON readiness (received_at);
