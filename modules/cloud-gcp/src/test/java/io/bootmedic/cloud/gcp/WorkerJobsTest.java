package io.bootmedic.cloud.gcp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What counts as "bootmedic changed the copy" in the worker's output: its FIXED banner with something done. */
class WorkerJobsTest {
    @Test
    void filesOrRegistryValuesChangedAreAChangeAndNothingElseIs() {
        assertTrue(WorkerJobs.fixedSomething("FIXED: 1 faulty file(s) quarantined or neutralized. Next: restart\n"));
        assertTrue(WorkerJobs.fixedSomething("FIXED: 0 faulty file(s) quarantined or neutralized, 2 registry value(s) set. Next: restart\n"));
        assertTrue(WorkerJobs.fixedSomething("FIXED: 0 faulty file(s) quarantined or neutralized, 1 boot configuration setting(s) changed. Next: restart\n"));
        assertTrue(WorkerJobs.fixedSomething("FIXED: 0 faulty file(s) quarantined or neutralized, 0 registry value(s) set, 1 boot configuration setting(s) changed."));
        assertFalse(WorkerJobs.fixedSomething("FIXED: 0 faulty file(s) quarantined or neutralized. Next: restart\n"));
        assertFalse(WorkerJobs.fixedSomething("NOTHING TO FIX: no faulty file on 1 Windows volume(s).\n"));
        assertFalse(WorkerJobs.fixedSomething("a line that says FIXED: 3 faulty file(s) in the middle\n"));
    }
}
