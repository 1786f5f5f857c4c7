package io.bootmedic.remediation;

import io.bootmedic.report.FileAction;

/**
 * What happened to one file in this run, in the report's vocabulary.
 *
 */
public record ActionResult(String rule, String path, long size, String sha256, String modified, Verdict verdict,
                           FileAction action, String quarantinePath, String error, String detail) {

    public ActionResult(String rule, String path, long size, String sha256, String modified, Verdict verdict, FileAction action, String quarantinePath,
                        String error) {
        this(rule, path, size, sha256, modified, verdict, action, quarantinePath, error, null);
    }

    public static ActionResult of(Finding f, FileAction action, String quarantinePath, String error) {
        return new ActionResult(f.rule().id(), f.path().toString(), f.size(), f.sha256(),
                f.times().modified() == null ? null : f.times().modified().toString(), f.verdict(), action, quarantinePath, error);
    }

    public static ActionResult of(JournalEntry e, FileAction action, String error) {
        return new ActionResult(e.rule(), e.path(), e.size(), e.sha256(), e.modified(), Verdict.FAULTY, action,
                action == FileAction.QUARANTINED ? e.quarantinePath() : null, error);
    }

    public boolean failed() {
        return action == FileAction.FAILED;
    }
}
