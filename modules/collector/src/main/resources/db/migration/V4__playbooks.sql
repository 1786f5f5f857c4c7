-- Playbooks published through the collector (docs/collector.md "Publishing playbooks").
-- The exact bytes and signature are kept (base64, portable TEXT): agents verify them again.
CREATE TABLE playbook_publications (
    publication  TEXT PRIMARY KEY,     -- first 16 hex digits of SHA-256(playbook bytes)
    playbook_id  TEXT NOT NULL,
    version      TEXT NOT NULL,
    title        TEXT NOT NULL,
    signed_by    TEXT NOT NULL,        -- key id of the trusted key that verified at publish
    scope        TEXT NOT NULL,        -- JSON: {"kind":"all"} | {"kind":"tag",...} | {"kind":"machines",...}
    body         TEXT NOT NULL,        -- base64 of the playbook bytes
    signature    TEXT NOT NULL,        -- base64 of the .sig bytes
    published_at BIGINT NOT NULL,
    retired_at   BIGINT
);
CREATE INDEX playbook_publications_active ON playbook_publications (retired_at, published_at);

-- Which collector playbooks each stored report says it applied, for the per-playbook dashboard counts.
CREATE TABLE report_playbooks (
    run_id      TEXT NOT NULL,
    publication TEXT NOT NULL,
    PRIMARY KEY (run_id, publication)
);
CREATE INDEX report_playbooks_publication ON report_playbooks (publication);
