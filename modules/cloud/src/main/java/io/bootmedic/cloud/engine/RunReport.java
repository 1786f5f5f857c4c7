package io.bootmedic.cloud.engine;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * How a run ended: every VM's last record, in the run's order, and for a VM whose rollback gave up, why (it stays in
 * its recorded step; {@code rollback} continues it).
 */
public record RunReport(String runId, List<VmRecord> vms, Map<String, String> stuck, long startedAt, long endedAt) {
    public Map<Step, Integer> counts() {
        Map<Step, Integer> c = new EnumMap<>(Step.class);
        vms.forEach(v -> c.merge(v.step(), 1, Integer::sum));
        return c;
    }

    public boolean allTerminal() {
        return vms.stream().allMatch(v -> v.step().terminal());
    }

    /** 0 every VM repaired, clean or skipped; 1 some failed (rolled back) or are not finished. */
    public int exitCode() {
        return vms.stream().allMatch(v -> v.step() == Step.REPAIRED || v.step() == Step.CLEAN || v.step() == Step.SKIPPED) ? 0 : 1;
    }
}
