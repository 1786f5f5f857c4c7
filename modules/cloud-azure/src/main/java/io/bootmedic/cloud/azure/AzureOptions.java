package io.bootmedic.cloud.azure;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The azure route's options. The names and meanings of the old scripts/azure/remediate.sh flags are kept where the
 * engine has the same idea (docs/routes/azure.md maps each old flag).
 */
public final class AzureOptions {
    @Option(names = "--subscription", defaultValue = "${env:AZURE_SUBSCRIPTION_ID}", description = "Subscription ID (default: $AZURE_SUBSCRIPTION_ID).")
    String subscription;

    @Option(names = "--tenant", description = "Tenant ID for the credential (default: the one of `az login`).")
    String tenant;

    @Option(names = {"-g", "--resource-group"}, description = "Targets: every VM of this group (or, with --vm, --tag, --csv, the group they are in).")
    String group;

    @Option(names = "--vm", description = "Target VM name in --resource-group (repeatable).")
    List<String> vms = new ArrayList<>();

    @Option(names = "--tag", description = "Targets: every VM carrying KEY=VALUE (within --resource-group if given).")
    String tag;

    @Option(names = "--csv", description = "Targets: lines resource_group,vm_name (a header line is skipped; a line with a name alone uses --resource-group).")
    Path csv;

    @Option(names = "--worker-group", description = "Resource group of the worker VMs (for --worker NAME without a group).")
    String workerGroup;

    @Option(names = "--worker", description = "A Linux worker VM: NAME, GROUP/NAME, or either with :LUN,LUN... (repeatable).")
    List<String> workers = new ArrayList<>();

    @Option(names = "--lun", description = "LUNs a worker lends when --worker names none (repeatable; 2..63; default 10).")
    List<Integer> luns = new ArrayList<>();

    @Option(names = "--work-group", description = "Resource group for the run's snapshots and copies (default: the first worker's group).")
    String workGroup;

    @Option(names = "--include-booted", description = "Also repair running VMs whose guest agent reports Ready (by default they booted Windows: left alone).")
    boolean includeBooted;

    @Option(names = "--ade", description = "Also repair VMs with single-pass Azure Disk Encryption (BEK in Key Vault, no KEK): the worker reads the BEK with its managed identity.")
    boolean ade;

    @Option(names = "--run-timeout", defaultValue = "5400", description = "Seconds the worker's run command may run (default 5400).")
    int runTimeout;

    @Option(names = "--bootmedic", description = "Launcher on the worker (default: bootmedic on PATH, else /opt/bootmedic/bootmedic).")
    String bootmedic;

    @Option(names = "--config", description = "Passed to bootmedic: a path ON THE WORKER.")
    String config;

    @Option(names = "--key-bundle", description = "Passed to bootmedic: a path ON THE WORKER.")
    String keyBundle;

    @Option(names = "--passphrase-file", description = "Passed to bootmedic: a path ON THE WORKER.")
    String passphraseFile;

    @Option(names = "--outbox", description = "Passed to bootmedic: a folder ON THE WORKER.")
    String outbox;

    /** Tests only: the ARM endpoint of an emulator (an AzureEnvironment whose resource manager is this URL). */
    @Option(names = "--endpoint", hidden = true)
    String endpoint;

    List<String> pass() {
        List<String> p = new ArrayList<>();
        add(p, "--bootmedic", bootmedic);
        add(p, "--config", config);
        add(p, "--key-bundle", keyBundle);
        add(p, "--passphrase-file", passphraseFile);
        add(p, "--outbox", outbox);
        return p;
    }

    private static void add(List<String> p, String name, String value) {
        if (value != null) {
            p.add(name);
            p.add(value);
        }
    }
}
