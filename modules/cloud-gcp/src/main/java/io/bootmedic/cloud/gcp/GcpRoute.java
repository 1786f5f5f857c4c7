package io.bootmedic.cloud.gcp;

import com.google.cloud.compute.v1.AttachedDisk;
import com.google.cloud.compute.v1.Instance;
import io.bootmedic.cloud.engine.EngineConfig;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.route.Connection;
import io.bootmedic.cloud.route.Route;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** {@code bootmedic cloud gcp ...}: Compute Engine VMs in one zone, repaired on Linux workers in that zone. */
public final class GcpRoute implements Route {
    private static final long SSH_TIMEOUT_SECONDS = 120;
    private static final int CANCEL_GRACE_SECONDS = 60;

    @Override
    public String name() {
        return "gcp";
    }

    @Override
    public String summary() {
        return "Compute Engine VMs in one zone: snapshot, copy, bootmedic on a Linux worker in the zone, swap the boot disk";
    }

    @Override
    public Object newOptions() {
        return new GcpOptions();
    }

    @Override
    public Connection connect(Object options) {
        GcpOptions o = (GcpOptions) options;
        check(o);
        WorkerShell shell = "local".equals(o.via) ? new WorkerShell.Local(privateFolder(), Map.of(), !"root".equals(System.getProperty("user.name")),
                SSH_TIMEOUT_SECONDS) : new WorkerShell.Ssh("gcloud", project(o), o.sshArgs, SSH_TIMEOUT_SECONDS);
        return connect(o, shell);
    }

    /** With the worker shell given (tests: worker-job.sh on this machine with a stand-in for worker-fix.sh). */
    Connection connect(GcpOptions o, WorkerShell shell) {
        check(o);
        String project = project(o);
        String endpoint = o.endpoint != null ? o.endpoint : System.getenv("BOOTMEDIC_GCP_ENDPOINT");
        Compute api = Compute.connect(project, endpoint);
        try {
            List<GcpProvider.GcpWorker> gw = new ArrayList<>();
            List<EngineConfig.Worker> ew = new ArrayList<>();
            for (String name : new LinkedHashSet<>(o.workers)) {
                Instance w = readWorker(api, project, o.zone, name);
                String id = o.zone + "/" + name;
                AttachedDisk boot = GcpProvider.boot(w);
                String iface = boot == null || boot.getInterface().isEmpty() ? "SCSI" : boot.getInterface();
                gw.add(new GcpProvider.GcpWorker(id, DiskSupport.series(w.getMachineType()), iface));
                ew.add(new EngineConfig.Worker(id, List.copyOf(o.devices), o.zone));
            }
            String[] kv = o.label == null ? null : o.label.split("=", 2);
            GcpProvider provider = new GcpProvider(api, o.zone, new GcpProvider.Targets(List.copyOf(o.instances), kv == null ? null : kv[0],
                    kv == null ? null : kv[1]), gw, new WorkerJobs(shell, o.fixArgs(), CANCEL_GRACE_SECONDS));
            return new Connection(provider, ew, "gcp:" + project + "/" + o.zone, api);
        } catch (RuntimeException e) {
            api.close();
            throw e;
        }
    }

    /** A new folder only this user can write: the script sudo runs from it cannot be swapped by another user. */
    private static Path privateFolder() {
        try {
            return java.nio.file.Files.createTempDirectory("bootmedic-gcp");
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot make a private temporary folder for worker-job.sh: " + e.getMessage());
        }
    }

    private static void check(GcpOptions o) {
        if (o.instances.isEmpty() && o.label == null) {
            throw new IllegalArgumentException("name the VMs: --instance NAME (repeatable) or --label KEY=VALUE");
        }
        if (o.label != null && !o.label.matches("[a-z][a-z0-9_-]{0,62}=[a-z0-9_-]{0,63}")) {
            throw new IllegalArgumentException("--label must be KEY=VALUE as GCP labels are written (lower case, digits, - and _): " + o.label);
        }
        if (!"ssh".equals(o.via) && !"local".equals(o.via)) {
            throw new IllegalArgumentException("--via must be ssh or local, not " + o.via);
        }
        if (o.devices.isEmpty() || o.devices.stream().anyMatch(d -> !d.matches("[a-z0-9-]{1,63}")) || new LinkedHashSet<>(o.devices).size() != o.devices.size()) {
            throw new IllegalArgumentException("--devices must be distinct device names of lower-case letters, digits and '-': " + o.devices);
        }
        for (String n : o.workers) {
            if (!GcpIds.NAME.matcher(n).matches()) {
                throw new IllegalArgumentException("--worker " + n + " is not a Compute Engine instance name");
            }
        }
        if (project(o) == null) {
            throw new IllegalArgumentException("no project: pass --project P (or set GOOGLE_CLOUD_PROJECT)");
        }
    }

    private static String project(GcpOptions o) {
        if (o.project != null) {
            return o.project;
        }
        String p = System.getenv("GOOGLE_CLOUD_PROJECT");
        return p != null ? p : System.getenv("CLOUDSDK_CORE_PROJECT");
    }

    private static Instance readWorker(Compute api, String project, String zone, String name) {
        Instance w;
        try {
            w = GcpErrors.call("instances.get " + name, () -> api.instances().get(project, zone, name));
        } catch (CloudException e) {
            throw new IllegalArgumentException("cannot read the worker " + name + " in " + zone + " (" + e.getMessage()
                    + "): create a Linux VM there with bootmedic in /opt/bootmedic (docs/routes/gcp.md)");
        }
        if (!"RUNNING".equals(w.getStatus())) {
            throw new IllegalArgumentException("the worker " + name + " is " + w.getStatus() + ", not RUNNING: start it (gcloud compute instances start "
                    + name + " --zone " + zone + ") and run this again");
        }
        AttachedDisk boot = GcpProvider.boot(w);
        boolean windows = boot != null && boot.getGuestOsFeaturesList().stream().anyMatch(f -> "WINDOWS".equals(f.getType()));
        if (windows || w.getConfidentialInstanceConfig().getEnableConfidentialCompute()) {
            throw new IllegalArgumentException("the worker " + name + " must be an ordinary Linux VM (it is " + (windows ? "Windows" : "a Confidential VM") + ")");
        }
        return w;
    }
}
