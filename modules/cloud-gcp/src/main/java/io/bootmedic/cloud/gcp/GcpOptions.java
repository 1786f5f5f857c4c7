package io.bootmedic.cloud.gcp;

import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The GCP route's options; the names the old scripts/gcp/remediate.sh used, where they still mean something (docs/routes/gcp.md). */
public final class GcpOptions {
    @Option(names = "--project", paramLabel = "P", description = "The project (default: $GOOGLE_CLOUD_PROJECT, else $CLOUDSDK_CORE_PROJECT).")
    String project;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "The zone of the VMs and the workers (a zonal disk attaches only there).")
    String zone;

    @Option(names = "--worker", required = true, paramLabel = "NAME", description = "A running Linux worker VM in ZONE with bootmedic in /opt/bootmedic (repeatable).")
    List<String> workers = new ArrayList<>();

    @Option(names = "--devices", split = ",", paramLabel = "NAME", defaultValue = "bootmedic-1,bootmedic-2,bootmedic-3,bootmedic-4",
            description = "The device names each worker lends, one copy at a time each (default ${DEFAULT-VALUE}); the worker finds a copy "
                    + "at /dev/disk/by-id/google-NAME.")
    List<String> devices = new ArrayList<>();

    @Option(names = "--instance", paramLabel = "NAME", description = "A target VM in ZONE (repeatable).")
    List<String> instances = new ArrayList<>();

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Every VM in ZONE with this label.")
    String label;

    @Option(names = "--via", paramLabel = "ssh|local", defaultValue = "ssh",
            description = "How bootmedic is started on the worker: 'gcloud compute ssh WORKER --command' (default), or 'local' when this runs on the worker.")
    String via;

    @Option(names = "--ssh-arg", paramLabel = "ARG", description = "Extra argument for gcloud compute ssh (repeatable), e.g. --ssh-arg=--tunnel-through-iap.")
    List<String> sshArgs = new ArrayList<>();

    @Option(names = "--bootmedic", paramLabel = "PATH", description = "bootmedic on the worker (default: on PATH, else /opt/bootmedic/bootmedic).")
    String bootmedic;

    @Option(names = "--config", paramLabel = "FILE", description = "Passed to bootmedic: a path ON THE WORKER.")
    String config;

    @Option(names = "--key-bundle", paramLabel = "FILE", description = "Passed to bootmedic: a path ON THE WORKER.")
    String keyBundle;

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "Passed to bootmedic: a path ON THE WORKER.")
    String passphraseFile;

    @Option(names = "--outbox", paramLabel = "DIR", description = "Passed to bootmedic: a path ON THE WORKER.")
    String outbox;

    @Option(names = "--endpoint", hidden = true, paramLabel = "URL", description = "Compute API endpoint (tests; also $BOOTMEDIC_GCP_ENDPOINT): no credentials are sent.")
    String endpoint;

    /** worker-fix.sh's arguments after the disk's. */
    List<String> fixArgs() {
        List<String> out = new ArrayList<>();
        add(out, "--bootmedic", bootmedic);
        add(out, "--config", config);
        add(out, "--key-bundle", keyBundle);
        add(out, "--passphrase-file", passphraseFile);
        add(out, "--outbox", outbox);
        return out;
    }

    private static void add(List<String> out, String flag, String value) {
        if (value != null) {
            out.add(flag);
            out.add(value);
        }
    }
}
