-- The recovery key IDs a machine's latest run could not unlock (comma-separated, upper-case GUIDs),
-- so the dashboard can say which keys to import for the machines still waiting.
ALTER TABLE machines ADD COLUMN needed_key_ids TEXT;
