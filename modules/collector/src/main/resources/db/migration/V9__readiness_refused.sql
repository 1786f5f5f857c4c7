-- Why a staging was refused (bootmedic.readiness/v1 winre.refused): "no-room" when the recovery
-- partition lacks room for the agent and WinRE's own updates; NULL otherwise. The Armed page counts
-- these machines apart, because the fix (grow the partition) differs from staging again.
ALTER TABLE readiness ADD COLUMN winre_refused TEXT;
