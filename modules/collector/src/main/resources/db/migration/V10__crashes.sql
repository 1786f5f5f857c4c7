-- What is crashing the fleet (issue 25, docs/fleet-crashes.md): the crash dumps agents found, from the
-- diagnosis of their reports. One row per machine, dump file and dump time, so a machine that reports the
-- same dump again (every run until someone deletes it) is counted once; a new MEMORY.DMP has a new time.
CREATE TABLE crashes (
    machine_id      TEXT NOT NULL,
    dump_file       TEXT NOT NULL,     -- path in the volume, forward slashes
    dump_time       BIGINT NOT NULL,   -- from the dump's header, epoch milliseconds; 0 when it gave none
    crash_at        BIGINT NOT NULL,   -- dump_time, or when the collector first received the dump if it gave none or a later time
    bug_check       TEXT NOT NULL,     -- 0x and 8 upper-case hex digits
    bug_check_name  TEXT,
    faulting_module TEXT,              -- the driver's file name in lower case
    dump_kind       TEXT,
    run_id          TEXT NOT NULL,     -- the report that first told of it
    PRIMARY KEY (machine_id, dump_file, dump_time)
);
-- covering the page's queries: a window is read from this index alone, never row by row from the table
CREATE INDEX crashes_at ON crashes (crash_at, machine_id, bug_check, faulting_module, bug_check_name);
CREATE INDEX crashes_code ON crashes (bug_check, crash_at);
CREATE INDEX crashes_module ON crashes (faulting_module, crash_at);

-- Whether each machine's latest report (the one the collector received last) says updates are pending.
CREATE TABLE machine_updates (
    machine_id     TEXT PRIMARY KEY,
    run_id         TEXT NOT NULL,
    received_at    BIGINT NOT NULL,
    pending        INTEGER,            -- 1 pending, 0 none, NULL the report did not say (an older agent)
    packages       TEXT,               -- newline-separated package names
    evidence       TEXT,               -- newline-separated files that show them pending
    revert_command TEXT
);
CREATE INDEX machine_updates_pending ON machine_updates (pending, received_at);
