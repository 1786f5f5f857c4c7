package io.bootmedic.cloud.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.policy.FixedDelay;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.resourcemanager.compute.ComputeManager;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.models.InstanceViewTypes;
import com.azure.resourcemanager.compute.models.OperatingSystemTypes;
import io.bootmedic.cloud.engine.EngineConfig;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.route.Connection;
import io.bootmedic.cloud.route.Route;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code bootmedic cloud azure ...}: Azure VMs repaired on copies of their OS disks by Linux worker VMs in their region. */
public final class AzureRoute implements Route {
    @Override
    public String name() {
        return "azure";
    }

    @Override
    public String summary() {
        return "Azure VMs (managed disks): copy, repair on a Linux worker VM (managed Run Command), swap in; az login works";
    }

    @Override
    public Object newOptions() {
        return new AzureOptions();
    }

    @Override
    public Connection connect(Object options) {
        AzureOptions o = (AzureOptions) options;
        checkOptions(o);
        TokenCredential cred = new DefaultAzureCredentialBuilder().tenantId(o.tenant).build();
        return connect(o, cred, null);
    }

    /** With a given credential and HTTP client (tests: a fixed token, and a client that trusts the emulator). */
    Connection connect(AzureOptions o, TokenCredential cred, HttpClient http) {
        checkOptions(o);
        AzureEnvironment env = o.endpoint == null ? AzureEnvironment.AZURE : emulator(o.endpoint);
        AzureProfile profile = new AzureProfile(o.tenant, o.subscription, env);
        ComputeManager.Configurable c = ComputeManager.configure()
                // no retries in the SDK: the engine backs off and paces every VM's calls itself (a retry here would stall them all)
                .withRetryPolicy(new RetryPolicy(new FixedDelay(0, Duration.ZERO)));
        if (http != null) {
            c = c.withHttpClient(http);
        }
        ComputeManagementClient arm = c.authenticate(cred, profile).serviceClient();
        List<WorkerVm> vms = new ArrayList<>();
        List<EngineConfig.Worker> workers = new ArrayList<>();
        String region = null;
        for (String spec : o.workers) {
            WorkerSpec ws = WorkerSpec.parse(spec, o.workerGroup, o.luns);
            VirtualMachineInner vm = readWorker(arm, ws);
            if (vm.storageProfile().osDisk().osType() != OperatingSystemTypes.LINUX) {
                throw new IllegalArgumentException("the worker " + ws.group() + "/" + ws.name() + " is not a Linux VM: worker-fix.sh runs on Linux");
            }
            if (VmReader.power(vm) != io.bootmedic.cloud.provider.Model.Power.RUNNING || vm.instanceView() == null) {
                throw new IllegalArgumentException("the worker " + ws.group() + "/" + ws.name() + " is not running: start it (run commands run only on a running VM)");
            }
            String loc = vm.location().toLowerCase(Locale.ROOT);
            if (region != null && !region.equals(loc)) {
                throw new IllegalArgumentException("the workers are in " + region + " and " + loc + ": one run is one region; run once per region");
            }
            region = loc;
            vms.add(WorkerVm.of(vm.id(), vm.location()));
            String zone = vm.zones() == null || vm.zones().isEmpty() ? loc : loc + "/" + vm.zones().get(0);
            workers.add(new EngineConfig.Worker(vm.id(), ws.devices(), zone));
        }
        String work = o.workGroup != null ? o.workGroup : vms.get(0).group();
        Targets t = targets(o);
        AzureProvider p = new AzureProvider(arm, t, work, region, vms, new WorkerScript(o.pass()), o.runTimeout, !o.includeBooted, o.ade);
        return new Connection(p, workers, "azure subscription " + o.subscription + " region " + region, null);
    }

    /** The worker's read, outside the engine: a throttled or failed read is tried again a few times (the SDK's retries are off). */
    private static VirtualMachineInner readWorker(ComputeManagementClient arm, WorkerSpec ws) {
        String what = "reading the worker VM " + ws.group() + "/" + ws.name();
        for (int attempt = 1;; attempt++) {
            try {
                return ArmErrors.call(what, () -> arm.getVirtualMachines()
                        .getByResourceGroupWithResponse(ws.group(), ws.name(), InstanceViewTypes.INSTANCE_VIEW, com.azure.core.util.Context.NONE).getValue());
            } catch (CloudException e) {
                if (e.retryable() && attempt < 6) {
                    sleep(500L << (attempt - 1));
                    continue;
                }
                if (e.kind() == CloudException.Kind.NOT_FOUND) {
                    throw new IllegalArgumentException("cannot read the worker VM " + ws.group() + "/" + ws.name()
                            + ": create it, a Linux VM with bootmedic in /opt/bootmedic, in the VMs' region");
                }
                throw new IllegalArgumentException("cannot read the worker VM " + ws.group() + "/" + ws.name() + ": " + e.getMessage());
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static void checkOptions(AzureOptions o) {
        if (o.subscription == null || o.subscription.isBlank()) {
            throw new IllegalArgumentException("name the subscription: --subscription ID (or set AZURE_SUBSCRIPTION_ID)");
        }
        if (o.workers.isEmpty()) {
            throw new IllegalArgumentException("name the Linux worker VM: --worker-group RG --worker NAME");
        }
        if (o.group == null && o.tag == null && o.csv == null) {
            throw new IllegalArgumentException("name the VMs: --resource-group RG [--vm NAME], --tag KEY=VALUE or --csv FILE");
        }
        if (!o.vms.isEmpty() && o.group == null) {
            throw new IllegalArgumentException("--vm needs --resource-group RG");
        }
        if (o.tag != null && !o.tag.matches("[^=]+=.*")) {
            throw new IllegalArgumentException("--tag needs KEY=VALUE");
        }
        if (o.runTimeout < 60) {
            throw new IllegalArgumentException("--run-timeout must be at least 60 seconds");
        }
    }

    static Targets targets(AzureOptions o) {
        List<Targets.GroupAndName> named = new ArrayList<>();
        o.vms.forEach(v -> named.add(new Targets.GroupAndName(o.group, v)));
        if (o.csv != null) {
            try {
                named.addAll(CsvTargets.read(o.csv, o.group));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the CSV file " + o.csv, e);
            }
        }
        String k = o.tag == null ? null : o.tag.substring(0, o.tag.indexOf('='));
        String v = o.tag == null ? null : o.tag.substring(o.tag.indexOf('=') + 1);
        // --csv alone names its VMs only; --resource-group alone (or with --tag) lists
        String group = o.csv != null && o.tag == null && o.vms.isEmpty() ? null : o.group;
        return new Targets(group, named, k, v);
    }

    private static AzureEnvironment emulator(String url) {
        String u = url.endsWith("/") ? url : url + "/";
        Map<String, String> endpoints = new java.util.HashMap<>(AzureEnvironment.AZURE.getEndpoints());
        endpoints.put("resourceManagerEndpointUrl", u); // the token's audience stays Azure's: only where requests go changes
        return new AzureEnvironment(endpoints);
    }
}
