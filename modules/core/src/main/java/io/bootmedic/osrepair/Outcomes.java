package io.bootmedic.osrepair;

import io.bootmedic.playbook.RepairRule;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.Verdict;
import io.bootmedic.report.FileAction;

import java.util.List;

/** Report entries of repair rules, as the registry writer makes them: a failure's words in error, anything else in detail. */
final class Outcomes {
    private Outcomes() {
    }

    static ActionResult of(RepairRule r, String path, Verdict verdict, FileAction action, String quarantine, String detail) {
        boolean bad = action == FileAction.FAILED || action == FileAction.NOT_DONE_HERE;
        return new ActionResult(r.id(), path, 0, null, null, verdict, action, quarantine, bad ? detail : null, bad ? null : detail);
    }

    static ActionResult failed(RepairRule r, String path, String why) {
        return of(r, path, Verdict.NEEDS_REPAIR, FileAction.FAILED, null, why);
    }

    static ActionResult notNeeded(RepairRule r, String path, String why) {
        return of(r, path, Verdict.NOT_NEEDED, FileAction.KEPT, null, why);
    }

    static List<ActionResult> failAll(List<? extends RepairRule> rules, String path, String why) {
        return rules.stream().map(r -> failed(r, path, why)).toList();
    }
}
