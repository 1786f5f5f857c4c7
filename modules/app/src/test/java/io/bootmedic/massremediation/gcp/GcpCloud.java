package io.bootmedic.massremediation.gcp;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The project the GCP route tests start from: a Linux worker and Windows VMs in one zone. */
final class GcpCloud {
    static final String PROJECT = "bm-test-project";
    static final String ZONE = "us-central1-a";
    static final String WORKER = "bm-worker";
    static final String WINDOWS_LICENSE = "https://compute.googleapis.com/compute/v1/projects/windows-cloud/global/licenses/windows-server-2022-dc";
    static final String KMS_KEY = "projects/bm-test-project/locations/us-central1/keyRings/ring1/cryptoKeys/disk-key";

    private GcpCloud() {
    }

    /** Seeds the worker (RUNNING, its own Debian boot disk). */
    static void worker(ComputeState s) {
        s.addDisk(ZONE, WORKER, 20, "pd-balanced").putArray("guestOsFeatures").addObject().put("type", "UEFI_COMPATIBLE");
        s.addInstance(ZONE, WORKER, "RUNNING");
        s.attachSeed(ZONE, WORKER, WORKER, "persistent-disk-0", true, true);
    }

    /** A Windows VM with its boot disk NAME (same name as the VM), as a Windows image leaves it. */
    static ObjectNode windowsVm(ComputeState s, String zone, String name, String status) {
        ObjectNode d = s.addDisk(zone, name, 50, "pd-balanced");
        var f = d.putArray("guestOsFeatures");
        f.addObject().put("type", "MULTI_IP_SUBNET");
        f.addObject().put("type", "UEFI_COMPATIBLE");
        f.addObject().put("type", "VIRTIO_SCSI_MULTIQUEUE");
        f.addObject().put("type", "GVNIC");
        f.addObject().put("type", "WINDOWS");
        d.putArray("licenses").add(WINDOWS_LICENSE);
        ObjectNode i = s.addInstance(zone, name, status);
        s.attachSeed(zone, name, name, "persistent-disk-0", true, true);
        return i;
    }

    /** A Windows VM on Hyperdisk Balanced with provisioned IOPS/throughput and a CMEK key, device name NAME-boot. */
    static void hyperdiskCmekVm(ComputeState s, String name, boolean autoDelete) {
        ObjectNode d = s.addDisk(ZONE, name, 100, "hyperdisk-balanced");
        d.put("provisionedIops", "6000").put("provisionedThroughput", "290");
        d.putObject("diskEncryptionKey").put("kmsKeyName", KMS_KEY + "/cryptoKeyVersions/3");
        var f = d.putArray("guestOsFeatures");
        f.addObject().put("type", "UEFI_COMPATIBLE");
        f.addObject().put("type", "WINDOWS");
        d.putArray("licenses").add(WINDOWS_LICENSE);
        s.addInstance(ZONE, name, "RUNNING");
        s.attachSeed(ZONE, name, name, name + "-boot", true, autoDelete);
    }

    /** A Windows VM as a fix run leaves it: running on COPY (device persistent-disk-0, auto-delete), original kept and labelled. */
    static void remediatedVm(ComputeState s, String name, String stamp) {
        String copy = name + "-bm-" + stamp + "-fix";
        windowsVm(s, ZONE, name, "RUNNING");
        ObjectNode original = s.disk(ZONE, name);
        ObjectNode c = s.addDisk(ZONE, copy, 50, "pd-balanced");
        c.set("guestOsFeatures", original.get("guestOsFeatures").deepCopy());
        c.set("licenses", original.get("licenses").deepCopy());
        ObjectNode vm = s.instance(ZONE, name);
        ((com.fasterxml.jackson.databind.node.ArrayNode) vm.get("disks")).removeAll();
        original.withArray("users").removeAll();
        original.putObject("labels").put("bootmedic-original-of", name).put("bootmedic-run", stamp);
        s.attachSeed(ZONE, name, copy, "persistent-disk-0", true, true);
        vm.putObject("labels").put("bootmedic-original-disk", name).put("bootmedic-repaired-disk", copy).put("bootmedic-run", stamp);
    }
}
