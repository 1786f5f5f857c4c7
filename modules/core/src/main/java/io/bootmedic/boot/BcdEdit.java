package io.bootmedic.boot;

import io.bootmedic.playbook.RepairRule;
import io.bootmedic.registry.Hive;
import io.bootmedic.registry.edit.LogReplay;
import io.bootmedic.registry.edit.RecoveredHive;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.Verdict;
import io.bootmedic.report.FileAction;
import io.bootmedic.util.ByteArrayChannel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One store's boot rules made in memory, whatever holds the store: its logs replayed, the rules planned, and (unless a
 * dry run or nothing is to change) the edited bytes. {@link #results} holds what is already known (kept, would-repair,
 * refused); {@link #done} adds the outcome of the write the caller makes.
 */
final class BcdEdit {
    final List<ActionResult> results = new ArrayList<>();
    private final String label;
    private final String storePath;
    private BcdChanges.Plan plan;
    private String entry;
    /** The edited store, or null when nothing is to be written. */
    byte[] edited;

    private BcdEdit(String label, String storePath) {
        this.label = label;
        this.storePath = storePath;
    }

    /** @param note what finishing an earlier interrupted run did, for the report; or null */
    static BcdEdit make(String label, String storePath, byte[] primary, List<LogReplay.LogFile> logs, List<RepairRule> rules, boolean dryRun, String note) {
        BcdEdit e = new BcdEdit(label, storePath);
        String where = label + " " + storePath;
        RecoveredHive recovered;
        try {
            recovered = LogReplay.replay(where, primary, logs, false);
            e.plan = BcdChanges.plan(where, Hive.open(new ByteArrayChannel(recovered.bytes())), rules);
        } catch (IOException | UncheckedIOException x) {
            rules.forEach(r -> e.results.add(e.result(r, "", Verdict.NEEDS_REPAIR, FileAction.FAILED, null, label + ": " + x.getMessage()
                    + "; nothing was changed", null)));
            return e;
        }
        e.entry = e.plan.defaultEntry() + (e.plan.description() == null ? "" : " (\"" + e.plan.description() + "\")") + (note == null ? "" : "; " + note);
        for (BcdChanges.Kept k : e.plan.kept()) {
            e.results.add(e.result(k.rule(), k.keyPath(), Verdict.NOT_NEEDED, FileAction.KEPT, null, null, k.why() + " on {default} = " + e.entry));
        }
        if (e.plan.changes().isEmpty()) {
            return e;
        }
        if (dryRun) {
            e.plan.changes().forEach(c -> e.results.add(e.result(c.rule(), c.keyPath(), Verdict.NEEDS_REPAIR, FileAction.WOULD_REPAIR, null, null,
                    c.was() + " -> " + c.becomes() + " on {default} = " + e.entry)));
            return e;
        }
        try {
            e.edited = BcdChanges.apply(recovered, e.plan);
        } catch (IOException | UncheckedIOException x) {
            e.refuse("the edit could not be made safely (" + x.getMessage() + "); nothing was changed");
        }
        return e;
    }

    List<BcdChanges.Change> changes() {
        return plan == null ? List.of() : plan.changes();
    }

    /** Every change refused (nothing written): the results say why. */
    List<ActionResult> refuse(String why) {
        edited = null;
        changes().forEach(c -> results.add(result(c.rule(), c.keyPath(), Verdict.NEEDS_REPAIR, FileAction.FAILED, null, label + ": " + why, null)));
        return results;
    }

    /** After the caller's write: each change repaired (the original kept at {@code quarantine}) or failed with {@code error}. */
    List<ActionResult> done(String quarantine, String error) {
        for (BcdChanges.Change c : changes()) {
            results.add(error == null
                    ? result(c.rule(), c.keyPath(), Verdict.NEEDS_REPAIR, FileAction.REPAIRED, quarantine, null, c.was() + " -> " + c.becomes() + " on {default} = " + entry)
                    : result(c.rule(), c.keyPath(), Verdict.NEEDS_REPAIR, FileAction.FAILED, quarantine, error, null));
        }
        return results;
    }

    /** The rule ids of the changes, for a journal. */
    String ruleIds() {
        return String.join(",", changes().stream().map(c -> c.rule().id()).distinct().toList());
    }

    private ActionResult result(RepairRule r, String keyPath, Verdict verdict, FileAction action, String quarantine, String error, String detail) {
        return new ActionResult(r.id(), keyPath.isEmpty() ? storePath : storePath + "\\" + keyPath, 0, null, null, verdict, action, quarantine, error, detail);
    }
}
