package io.bootmedic.cli;

import io.bootmedic.collector.Readiness;
import io.bootmedic.collector.client.Backoff;
import io.bootmedic.collector.client.CollectorClient;
import io.bootmedic.collector.client.CollectorException;
import io.bootmedic.format.Printable;
import io.bootmedic.playbook.PlaybookException;
import io.bootmedic.playbook.PlaybookLoader;
import io.bootmedic.playbook.VerifyingKey;
import io.bootmedic.report.Report;
import io.bootmedic.util.AgentVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Tells the collector that this machine is armed (or why not): winpe\stage-winre.ps1 runs it at
 * the end with what reagentc and Get-Partition said, so this stays free of Windows calls.
 */
@Command(name = "readiness", sortOptions = false,
        description = {"Send this machine's readiness (bootmedic.readiness/v1) to the collector: agent version, trusted playbook keys, WinRE state and free space.",
                "winpe\\stage-winre.ps1 runs it after staging. Exit 0 sent, 1 not sent (collector unreachable or refusing), 2 usage error."})
class ReadinessCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "agent.conf from 'bootmedic collector init'.")
    Path config;

    @Option(names = "--collector", paramLabel = "URL", description = "The collector's URL (overrides the one in --config).")
    URI url;

    @Option(names = "--winre-state", required = true, paramLabel = "enabled|disabled", description = "What 'reagentc /info' says of Windows RE.")
    String winreState;

    @Option(names = "--winre-free-bytes", required = true, paramLabel = "N", description = "Free bytes on the recovery partition (Get-Partition / Get-Volume).")
    long freeBytes;

    @Option(names = "--staged", description = "The agent is inside winre.wim (stage-winre.ps1 checked it after the commit).")
    boolean staged;

    @Option(names = "--winre-location", paramLabel = "TEXT", description = "The 'Windows RE location' line of reagentc /info, for the admin.")
    String location;

    @Option(names = "--computer-name", paramLabel = "NAME", description = "This machine's name (default: %%COMPUTERNAME%%).")
    String computerName;

    @Option(names = "--trusted-key-dir", paramLabel = "DIR", description = "Folder of the trusted playbook keys (*.pub) staged into WinRE (repeatable; "
            + "default: trusted-keys beside the jar).")
    List<Path> keyDirs = new ArrayList<>();

    @Option(names = "--refused-no-room", description = "Staging was refused: the recovery partition lacks room for the agent and WinRE's own updates "
            + "(the Armed page counts these apart, with what to do).")
    boolean refusedNoRoom;

    @Option(names = "--print", description = "Also print the JSON that is sent.")
    boolean print;

    @Option(names = "--enrol", paramLabel = "FILE", description = {"Arm this machine first: trade the enrolment token of --config for a token of "
            + "this machine's own, bound to its name, tags and the --bitlocker-key-id values, and write FILE: agent.conf with that token "
            + "(owner-only), the one to stage into WinRE. Readiness is then sent with it (docs/self-healing.md §1)."})
    Path enrolTo;

    @Option(names = "--bitlocker-key-id", paramLabel = "GUID", description = {"With --enrol: the key ID of one of this machine's BitLocker "
            + "recovery passwords (repeatable; stage-winre.ps1 passes Get-BitLockerVolume's). Its token is released only these keys."})
    List<String> bitlockerKeyIds = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Readiness.WinReState state;
        try {
            state = Readiness.WinReState.fromWire(winreState);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--winre-state: " + e.getMessage());
        }
        if (freeBytes < 0) {
            throw new UsageError("--winre-free-bytes must be 0 or more");
        }
        String name = computerName != null ? computerName : System.getenv("COMPUTERNAME");
        if (name == null || name.isBlank()) {
            throw new UsageError("say which machine this is: --computer-name NAME (COMPUTERNAME is not set)");
        }
        List<String> keyIds = new ArrayList<>();
        try {
            for (VerifyingKey k : PlaybookLoader.trustedKeys(List.of(), keyDirs.isEmpty() ? PlaybookOptions.defaultKeyDirs() : keyDirs)) {
                if (!keyIds.contains(k.id())) {
                    keyIds.add(k.id());
                }
            }
        } catch (PlaybookException e) {
            throw new UsageError("--trusted-key-dir: " + e.getMessage());
        }
        if (keyIds.size() > Readiness.MAX_KEYS) {
            throw new UsageError("more than " + Readiness.MAX_KEYS + " trusted keys; remove retired ones from the trusted-keys folder");
        }
        if (!bitlockerKeyIds.isEmpty() && enrolTo == null) {
            throw new UsageError("--bitlocker-key-id goes with --enrol FILE: the key IDs are bound to the machine's own token");
        }
        List<String> bitlocker = new ArrayList<>();
        for (String k : bitlockerKeyIds) {
            try {
                bitlocker.add(io.bootmedic.keys.KeyId.parse(k).guid());
            } catch (IllegalArgumentException e) {
                throw new UsageError("--bitlocker-key-id: " + e.getMessage());
            }
        }
        if (bitlocker.size() > io.bootmedic.collector.Enrolment.MAX_KEY_IDS) {
            throw new UsageError("--bitlocker-key-id: at most " + io.bootmedic.collector.Enrolment.MAX_KEY_IDS + " key IDs");
        }
        staged = staged && nativeCodeLoads(err);
        if (enrolTo != null && config.toAbsolutePath().normalize().equals(enrolTo.toAbsolutePath().normalize())) {
            throw new UsageError("--enrol must name a new file, not --config: the payload's agent.conf keeps the enrolment token for the next machine");
        }
        if (refusedNoRoom && staged) {
            throw new UsageError("--refused-no-room and --staged contradict each other: a refused staging left the agent out");
        }
        Report.Host host = Identity.THIS_MACHINE.get();
        Readiness r = new Readiness(AgentVersion.get(), name.strip(), host.biosSerial(), host.hypervisorVmId(), keyIds, state, staged, freeBytes,
                location == null || location.isBlank() ? null : location.strip(), System.currentTimeMillis(), refusedNoRoom);
        byte[] body = r.toJson();
        if (print) {
            out.print(new String(body, StandardCharsets.UTF_8));
        }
        CollectorClient fleet = CollectorLink.client(config, url, null);
        CollectorClient client = fleet;
        if (enrolTo != null) {
            io.bootmedic.collector.Enrolment e = new io.bootmedic.collector.Enrolment(r.computerName(), r.biosSerial(), r.vmId(), client.config().tags(),
                    bitlocker);
            CollectorClient.MachineToken token;
            try {
                token = retrying(fleet, () -> fleet.enrol(e.toJson()));
            } catch (CollectorException x) {
                err.println("bootmedic: " + Printable.of(r.computerName()) + " not enrolled: " + Printable.of(x.getMessage()));
                err.println("Nothing was written to " + enrolTo + ". Do not stage the enrolment token into WinRE; fix the cause and run this again.");
                return ExitCodes.NEEDS_WORK;
            }
            io.bootmedic.util.DurableFiles.writeOwnerOnly(enrolTo, client.config().withToken(token.token()).text().getBytes(StandardCharsets.UTF_8));
            out.println("Enrolled " + Printable.of(r.computerName()) + ": its own token (id " + token.tokenId() + ") is in " + enrolTo + ", bound to "
                    + bitlocker.size() + " BitLocker key ID(s). Stage that file into WinRE as agent.conf.");
            out.flush();
            client = new CollectorClient(client.config().withToken(token.token()), 10_000);
        }
        CollectorClient sender = client;
        try {
            retrying(sender, () -> {
                sender.sendReadiness(body);
                return null;
            });
        } catch (CollectorException e) {
            err.println("bootmedic: readiness not sent: " + Printable.of(e.getMessage()));
            err.println("The staging itself is done; run this command again when the collector is reachable.");
            return ExitCodes.NEEDS_WORK;
        }
        out.println("Readiness of " + Printable.of(r.computerName()) + " sent to " + client.config().url() + ": WinRE " + state
                + (staged ? ", agent staged" : ", agent not staged") + ", " + keyIds.size() + " trusted key(s), " + (freeBytes >> 20) + " MB free.");
        out.flush();
        return ExitCodes.CLEAN;
    }

    private interface Call<T> {
        T run() throws CollectorException;
    }

    /** Retries what the collector may answer later (unreachable, 429, 503) with jittered backoff, within agent.conf's retry time. */
    private static <T> T retrying(CollectorClient client, Call<T> call) throws CollectorException, InterruptedException {
        long deadline = System.currentTimeMillis() + CollectorLink.retryMillis(client);
        Backoff backoff = new Backoff(1000, 8000, java.util.concurrent.ThreadLocalRandom.current());
        while (true) {
            try {
                return call.run();
            } catch (CollectorException e) {
                long wait = backoff.next(e.retryAfterMillis());
                if (!e.retryable() || System.currentTimeMillis() + wait > deadline) {
                    throw e;
                }
                Thread.sleep(wait);
            }
        }
    }

    /** A payload staged into WinRE whose native code does not load cannot run there: not armed, whatever the script saw. */
    private static boolean nativeCodeLoads(PrintWriter err) {
        try {
            ThisPlatform.get().checkNativeCode();
            return true;
        } catch (LinkageError e) {
            err.println("bootmedic: " + io.bootmedic.format.Printable.of(io.bootmedic.platform.PlatformPackaging.explain(e), Main.MAX_MESSAGE)
                    + "; reported as not staged");
            return false;
        }
    }
}
