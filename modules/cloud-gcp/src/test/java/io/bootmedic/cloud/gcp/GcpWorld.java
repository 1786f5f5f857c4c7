package io.bootmedic.cloud.gcp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bootmedic.cloud.engine.EngineConfig;
import io.bootmedic.cloud.route.Connection;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A project on the emulator with a Linux worker and the route connected to it as an operator would (the same options),
 * the worker side being scripts/gcp/worker-job.sh run on this machine with a stand-in for worker-fix.sh that asks the
 * emulator what bootmedic finds on the disk at the device name.
 */
final class GcpWorld implements AutoCloseable {
    static final String PROJECT = "bm-test-project";
    static final String ZONE = "us-central1-a";
    static final String WORKER = "bm-worker";
    static final String WINDOWS_LICENSE = "https://www.googleapis.com/compute/v1/projects/windows-cloud/global/licenses/windows-server-2022-dc";

    final ComputeEmulator api;
    final ComputeState s;
    final Path tmp;
    final List<Connection> opened = new ArrayList<>();
    /** More environment for the stand-in on the worker: BM_FAKE_RC (its exit), BM_FAKE_SECONDS (how long it runs). */
    final Map<String, String> workerEnv = new java.util.LinkedHashMap<>();

    GcpWorld(Path tmp, String workerMachineType) throws IOException {
        this.tmp = Files.createDirectories(tmp);
        api = new ComputeEmulator(PROJECT);
        s = api.state;
        s.addDisk(ZONE, WORKER, 20, "pd-balanced").putArray("guestOsFeatures").addObject().put("type", "UEFI_COMPATIBLE");
        s.addInstance(ZONE, WORKER, "RUNNING", workerMachineType);
        s.attachSeed(ZONE, WORKER, WORKER, "persistent-disk-0", true, true, workerMachineType.startsWith("c3") ? "NVME" : "SCSI");
        Path standIn = tmp.resolve("fake-worker-fix");
        // worker-job.sh runs it with the payload: the device name is in the payload's "set --" line
        Files.writeString(standIn, "#!/usr/bin/env bash\n"
                + "dev=$(sed -n \"2s/.*--gce-device-name' '\\([a-z0-9-]*\\)'.*/\\1/p\" \"$1\")\n"
                + "sleep ${BM_FAKE_SECONDS:-0}\n"
                + "out=$(curl -s -X POST \"" + api.endpoint() + "/_test/fix?worker=" + WORKER + "&device=$dev\")\n"
                + "printf '%s\\n' \"$out\"\n"
                + "rc=$(printf '%s\\n' \"$out\" | sed -n 's/^BOOTMEDIC_EXIT=//p')\n"
                + "exit ${BM_FAKE_RC:-${rc:-1}}\n");
        standIn.toFile().setExecutable(true);
    }

    /** A Windows VM as a Windows image leaves it, its boot disk DISK holding what bootmedic would find ("broken", "clean"). */
    ObjectNode windowsVm(String name, String disk, String content, String machineType, String diskType, String iface) {
        ObjectNode d = s.addDisk(ZONE, disk, 50, diskType);
        var f = d.putArray("guestOsFeatures");
        for (String t : List.of("MULTI_IP_SUBNET", "UEFI_COMPATIBLE", "VIRTIO_SCSI_MULTIQUEUE", "GVNIC", "WINDOWS")) {
            f.addObject().put("type", t);
        }
        d.putArray("licenses").add(WINDOWS_LICENSE);
        ObjectNode i = s.addInstance(ZONE, name, "RUNNING", machineType);
        s.attachSeed(ZONE, name, disk, "persistent-disk-0", true, true, iface);
        s.content.put(ZONE + "/" + disk, content);
        i.putObject("labels").put("fleet", "crowdstrike");
        return i;
    }

    ObjectNode windowsVm(String name, String content) {
        return windowsVm(name, name, content, "n2-standard-4", "pd-balanced", "SCSI");
    }

    ObjectNode linuxVm(String name) {
        ObjectNode d = s.addDisk(ZONE, name, 10, "pd-balanced");
        d.putArray("guestOsFeatures").addObject().put("type", "UEFI_COMPATIBLE");
        d.putArray("licenses").add("https://www.googleapis.com/compute/v1/projects/debian-cloud/global/licenses/debian-12-bookworm");
        ObjectNode i = s.addInstance(ZONE, name, "RUNNING", "e2-medium");
        s.attachSeed(ZONE, name, name, "persistent-disk-0", true, true, "SCSI");
        i.putObject("labels").put("fleet", "crowdstrike");
        return i;
    }

    /** The route connected with these options (after --project, --zone, --worker, --endpoint). */
    Connection connect(String... more) {
        List<String> args = new ArrayList<>(List.of("--project", PROJECT, "--zone", ZONE, "--worker", WORKER, "--endpoint", api.endpoint(), "--via", "local"));
        args.addAll(List.of(more));
        GcpOptions o = CommandLine.populateCommand(new GcpOptions(), args.toArray(String[]::new));
        Map<String, String> env = new java.util.LinkedHashMap<>(workerEnv);
        env.put("BOOTMEDIC_JOB_ROOT", tmp.resolve("jobs").toString());
        env.put("BOOTMEDIC_WORKER_SHELL", tmp.resolve("fake-worker-fix").toString());
        env.put("BOOTMEDIC_TEST_DEV_ROOT", tmp.resolve("devroot").toString());
        WorkerShell shell = new WorkerShell.Local(tmp.resolve("scratch"), env, false, 60);
        Connection c = new GcpRoute().connect(o, shell);
        opened.add(c);
        return c;
    }

    /**
     * The route with {@code --via ssh}: a stand-in gcloud records its arguments and runs the remote command here, with a
     * sudo that only runs its command, so the command line the route builds for the worker is run as it would be there.
     */
    Connection connectSsh(String... more) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.writeString(bin.resolve("sudo"), "#!/usr/bin/env bash\nexec \"$@\"\n");
        Files.writeString(bin.resolve("gcloud"), "#!/usr/bin/env bash\n"
                + "printf '%s\\n' \"$*\" | cut -c1-200 >> " + tmp.resolve("gcloud.log") + "\n"
                + "while [ $# -gt 0 ]; do if [ \"$1\" = --command ]; then cmd=$2; fi; shift; done\n"
                + "export PATH=" + bin + ":$PATH BOOTMEDIC_JOB_ROOT=" + tmp.resolve("jobs") + " BOOTMEDIC_WORKER_SHELL=" + tmp.resolve("fake-worker-fix")
                + " BOOTMEDIC_TEST_DEV_ROOT=" + tmp.resolve("devroot") + "\n"
                + "exec bash -c \"$cmd\"\n");
        bin.resolve("sudo").toFile().setExecutable(true);
        bin.resolve("gcloud").toFile().setExecutable(true);
        List<String> args = new ArrayList<>(List.of("--project", PROJECT, "--zone", ZONE, "--worker", WORKER, "--endpoint", api.endpoint()));
        args.addAll(List.of(more));
        GcpOptions o = CommandLine.populateCommand(new GcpOptions(), args.toArray(String[]::new));
        Connection c = new GcpRoute().connect(o, new WorkerShell.Ssh(bin.resolve("gcloud").toString(), PROJECT, o.sshArgs, 60));
        opened.add(c);
        return c;
    }

    static EngineConfig cfg(Connection c) {
        return new EngineConfig(c.workers(), 4, 50, 500, 200, 60_000, 30_000, 30_000, 5, 10, 3, 10, 200);
    }

    String uid(String vm) {
        return s.instance(ZONE, vm).path("id").asText();
    }

    String boot(String vm) {
        synchronized (s) {
            s.tick();
            return ComputeState.bootDisk(s.instance(ZONE, vm));
        }
    }

    ObjectNode bootAttachment(String vm) {
        synchronized (s) {
            for (var a : s.instance(ZONE, vm).path("disks")) {
                if (a.path("boot").asBoolean()) {
                    return (ObjectNode) a;
                }
            }
            return null;
        }
    }

    String status(String vm) {
        synchronized (s) {
            s.tick();
            return s.instance(ZONE, vm).path("status").asText();
        }
    }

    @Override
    public void close() throws Exception {
        for (Connection c : opened) {
            c.close();
        }
        api.close();
    }
}
