package io.bootmedic.cloud.azure;

import com.azure.resourcemanager.resources.fluentcore.arm.ResourceId;

/** A Linux worker VM lent to the run: its ARM ID (the engine's worker ID), group, name and region. */
record WorkerVm(String id, String group, String name, String location) {
    static WorkerVm of(String id, String location) {
        ResourceId r = ResourceId.fromString(id);
        return new WorkerVm(id, r.resourceGroupName(), r.name(), location);
    }
}
