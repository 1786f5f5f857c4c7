-- Refusals that need no durable row of their own (a key asked for with an incident-only token while
-- no incident is open) are counted in one audit row per token per minute: how many such requests
-- the row stands for. Every other row stands for one event.
ALTER TABLE audit ADD COLUMN times INTEGER NOT NULL DEFAULT 1;
