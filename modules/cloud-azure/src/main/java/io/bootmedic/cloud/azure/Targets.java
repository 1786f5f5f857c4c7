package io.bootmedic.cloud.azure;

import java.util.List;

/**
 * Which VMs a run looks at, as the old remediate.sh chose them: {@code vms} by group and name (--vm with
 * --resource-group, and the --csv lines), every VM of {@code group} (--resource-group alone), or every VM carrying the
 * tag (--tag KEY=VALUE, within {@code group} when one is given). Non-Windows VMs are found too: the engine skips them.
 */
record Targets(String group, List<GroupAndName> vms, String tagKey, String tagValue) {
    record GroupAndName(String group, String name) {
    }

    Targets {
        vms = List.copyOf(vms);
        if ((tagKey == null) != (tagValue == null)) {
            throw new IllegalArgumentException("a tag needs a key and a value");
        }
    }

    boolean byTag() {
        return tagKey != null;
    }

    /** The whole group is in scope: --resource-group without --vm or --tag. */
    boolean wholeGroup() {
        return group != null && !byTag() && vms.isEmpty();
    }
}
