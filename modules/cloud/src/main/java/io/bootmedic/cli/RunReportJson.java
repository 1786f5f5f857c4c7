package io.bootmedic.cli;

import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.VmRecord;
import io.bootmedic.util.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The run report as JSON (schema bootmedic.cloud-run/v1): what a ticket or a script reads after a run. */
final class RunReportJson {
    private RunReportJson() {
    }

    static String of(String route, RunReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", "bootmedic.cloud-run/v1");
        m.put("route", route);
        m.put("run", r.runId());
        m.put("exitCode", r.exitCode());
        Map<String, Object> counts = new LinkedHashMap<>();
        r.counts().forEach((step, n) -> counts.put(step.name(), n));
        m.put("counts", counts);
        List<Object> vms = new ArrayList<>();
        for (VmRecord v : r.vms()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("uid", v.uid());
            x.put("id", v.vmId());
            x.put("name", v.name());
            x.put("step", v.step().name());
            x.put("reason", v.reason());
            x.put("original", v.original());
            x.put("snapshot", v.snapshot());
            x.put("copy", v.copy());
            x.put("stuck", r.stuck().get(v.uid()));
            vms.add(x);
        }
        m.put("vms", vms);
        return Json.line(m);
    }
}
