package io.bootmedic.remediation;

import io.bootmedic.fs.FileTimes;
import io.bootmedic.fs.RelPath;
import io.bootmedic.playbook.Rule;

/** One file a rule matched, with everything needed to act on it, report it and undo it. */
public record Finding(Rule rule, RelPath path, long size, String sha256, FileTimes times, Verdict verdict) {
}
