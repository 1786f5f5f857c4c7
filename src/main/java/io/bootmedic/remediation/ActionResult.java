package io.bootmedic.remediation;

/**
 * What happened to one file in this run, in the report's vocabulary.
 *
 * @param action quarantined, would-quarantine, kept, failed
 */
public record ActionResult(String rule, String path, long size, String sha256, String modified, Verdict verdict,
                           String action, String quarantinePath, String error) {

    public static ActionResult of(Finding f, String action, String quarantinePath, String error) {
        return new ActionResult(f.rule().id(), f.path().toString(), f.size(), f.sha256(),
                f.times().modified() == null ? null : f.times().modified().toString(), f.verdict(), action, quarantinePath, error);
    }

    public static ActionResult of(JournalEntry e, String action, String error) {
        return new ActionResult(e.rule(), e.path(), e.size(), e.sha256(), e.modified(), Verdict.FAULTY, action,
                "quarantined".equals(action) ? e.quarantinePath() : null, error);
    }

    public boolean failed() {
        return "failed".equals(action);
    }
}
