package io.bootmedic.remediation;

import io.bootmedic.playbook.PlaybookSet;
import io.bootmedic.report.Report;

import java.util.List;

/**
 * Which playbooks a target's run applies, decided once per target after its volumes are open,
 * because the collector's playbooks are scoped by machine and the machine's name is only known
 * from the volume's registry. Implementations never fail the run: what they cannot fetch or
 * verify becomes a refusal in the set.
 */
@FunctionalInterface
public interface PlaybookSource {
    /**
     * The playbooks to apply to one target.
     *
     * @param host          the machine bootmedic runs on, or {@link Report.Host#UNKNOWN} for a disk seen from elsewhere
     * @param computerNames the computer names read from the target's Windows volumes (may be empty)
     */
    PlaybookSet playbooks(Report.Host host, List<String> computerNames);

    static PlaybookSource fixed(PlaybookSet set) {
        return (host, names) -> set;
    }
}
