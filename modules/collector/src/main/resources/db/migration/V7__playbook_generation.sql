-- One number that every change to the active playbooks (publish, scope replaced, retire) raises in
-- the same transaction as the change. Each collector caches the active publications, compiled for
-- lookups, and reads this row on every agent poll: it reloads only when the number moved, so
-- collectors sharing one database see each other's changes at once.
CREATE TABLE playbook_generation (
    id         INTEGER PRIMARY KEY,   -- always 1: the table holds one row
    generation BIGINT NOT NULL
);
INSERT INTO playbook_generation (id, generation) VALUES (1, 0);
