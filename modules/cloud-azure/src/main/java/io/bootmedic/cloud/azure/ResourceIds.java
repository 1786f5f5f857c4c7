package io.bootmedic.cloud.azure;

import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;

/** ARM IDs of the run's own resources, from their group and name. */
final class ResourceIds {
    private ResourceIds() {
    }

    static String disk(ComputeManagementClient arm, String group, String name) {
        return of(arm, group, "disks", name);
    }

    static String snapshot(ComputeManagementClient arm, String group, String name) {
        return of(arm, group, "snapshots", name);
    }

    private static String of(ComputeManagementClient arm, String group, String type, String name) {
        return "/subscriptions/" + arm.getSubscriptionId() + "/resourceGroups/" + group + "/providers/Microsoft.Compute/" + type + "/" + name;
    }
}
