package io.bootmedic.cloud.aws;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SSM Run Command on the Linux worker, and the worker itself (no real EC2 worker exists here).
 * A command is unknown to GetCommandInvocation at first (InvocationDoesNotExist, as right after
 * SendCommand), then InProgress for a configurable number of polls, then Success or Failed with
 * the configured ResponseCode; StandardOutputContent is cut at 24,000 characters as SSM does.
 * A hanging command stays InProgress until cancelled; a cancel goes through Cancelling.
 * The worker "repairs" the volume named by the payload's --ebs-volume when that volume is really
 * attached to the worker, and writes to it while the command is not terminal.
 */
final class SsmWorker {
    static final int OUTPUT_LIMIT = 24_000;

    final Ec2Cloud cloud;
    final String workerId;
    // the worker's behaviour, set by the tests
    int invisiblePolls = 1;
    int runPolls = 3;
    int responseCode = 0;
    String stdout = "BOOTMEDIC_DEVICE=/dev/nvme1n1\nFIXED: 1 faulty file(s) quarantined or neutralized.\nBOOTMEDIC_EXIT=0\n";
    boolean hang;
    int cancelPolls = 2;
    boolean busyAfterCancel;

    final Map<String, Command> commands = new LinkedHashMap<>();
    final List<String> log = new ArrayList<>();

    static final class Command {
        final String id = UUID.randomUUID().toString();
        String instance;
        String comment;
        List<String> lines;
        String executionTimeout;
        Integer deliveryTimeout;
        String workerArgs;
        String volume;
        boolean deviceCheck;
        String status = "Pending";
        int polls;
        int cancelLeft = -1;
        int rc = -1;
        String out = "";
    }

    SsmWorker(Ec2Cloud cloud, String workerId) {
        this.cloud = cloud;
        this.workerId = workerId;
    }

    // the one line WorkerScript.commandLine writes: the script, base64, piped to bash with its arguments
    private static final Pattern PAYLOAD = Pattern.compile("^echo ([A-Za-z0-9+/=]+) \\| base64 -d \\| bash -s --((?: [A-Za-z0-9_./:=@+,-]+)*)$");
    private static final Pattern VOLUME = Pattern.compile("--ebs-volume (vol-[0-9a-z]+)");

    Command send(String instance, String document, Map<String, List<String>> parameters, String comment, Integer deliveryTimeout) {
        if (!instance.equals(workerId)) {
            throw new Ec2Cloud.Refused("InvalidInstanceId", "Instances [[" + instance + "]] not in a valid state for account 111122223333");
        }
        if (!"AWS-RunShellScript".equals(document)) {
            throw new Ec2Cloud.Refused("InvalidDocument", "Document " + document + " does not exist in your account");
        }
        Command c = new Command();
        c.instance = instance;
        c.comment = comment;
        c.lines = parameters.getOrDefault("commands", List.of());
        c.executionTimeout = parameters.getOrDefault("executionTimeout", List.of("3600")).get(0);
        c.deliveryTimeout = deliveryTimeout;
        if (c.lines.size() != 1) {
            throw new Ec2Cloud.Refused("InvalidParameters", "expected one command line, got " + c.lines.size());
        }
        Matcher m = PAYLOAD.matcher(c.lines.get(0));
        if (!m.matches()) {
            throw new Ec2Cloud.Refused("InvalidParameters", "not a worker-fix.sh line: " + c.lines.get(0).substring(0, Math.min(80, c.lines.get(0).length())));
        }
        String script = new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8);
        if (!script.contains("BOOTMEDIC_EXIT=")) {
            throw new Ec2Cloud.Refused("InvalidParameters", "the payload is not worker-fix.sh");
        }
        c.workerArgs = m.group(2).trim();
        c.deviceCheck = (" " + c.workerArgs + " ").contains(" --release ");
        Matcher v = VOLUME.matcher(c.workerArgs);
        c.volume = v.find() ? v.group(1) : null;
        commands.put(c.id, c);
        log.add((c.deviceCheck ? "check " : "fix ") + c.volume);
        return c;
    }

    Command command(String id, String instance) {
        Command c = commands.get(id);
        if (c == null || !c.instance.equals(instance)) {
            throw new Ec2Cloud.Refused("InvocationDoesNotExist", "");
        }
        return c;
    }

    static boolean terminal(String status) {
        return List.of("Success", "Failed", "Cancelled", "TimedOut").contains(status);
    }

    /** Whether a command that has not ended may still be writing to VOLUME. */
    boolean writing(String volume) {
        return commands.values().stream().anyMatch(c -> !c.deviceCheck && volume.equals(c.volume) && !terminal(c.status)
                || c.status.equals("Cancelled") && busyAfterCancel && volume.equals(c.volume));
    }

    private boolean volumeReady(String volume) {
        Ec2Cloud.Volume v = cloud.volumes.get(volume);
        return v != null && v.attachment != null && v.attachment.instance.equals(workerId) && v.attachment.state.equals("attached");
    }

    /** One GetCommandInvocation: the command advances by one poll. */
    Command poll(String id, String instance) {
        Command c = command(id, instance);
        synchronized (cloud) {
            c.polls++;
            if (c.polls <= invisiblePolls) {
                throw new Ec2Cloud.Refused("InvocationDoesNotExist", "");
            }
            if (terminal(c.status)) {
                return c;
            }
            if (c.deviceCheck) {
                boolean busy = busyAfterCancel || commands.values().stream().anyMatch(o -> !o.deviceCheck && !terminal(o.status));
                c.status = busy ? "Failed" : "Success";
                c.rc = busy ? 1 : 0;
                c.out = "BOOTMEDIC_DEVICE=/dev/nvme1n1\n" + (busy ? "BOOTMEDIC_BUSY=4242 \n" : "BOOTMEDIC_RELEASED=/dev/nvme1n1\n");
                return c;
            }
            if (c.cancelLeft >= 0) {
                c.status = "Cancelling";
                if (c.cancelLeft-- == 0) {
                    c.status = "Cancelled";
                }
                return c;
            }
            if (c.status.equals("Pending")) {
                c.status = "InProgress";
                if (c.volume == null || !volumeReady(c.volume)) {
                    cloud.violations.add("bootmedic started on the worker before " + c.volume + " was attached there");
                    c.status = "Failed";
                    c.rc = 1;
                    c.out = "worker-fix: the attached disk did not appear\nBOOTMEDIC_EXIT=1\n";
                    return c;
                }
            }
            Ec2Cloud.Volume v = cloud.volumes.get(c.volume);
            if (!volumeReady(c.volume)) {
                c.status = "Failed";
                c.rc = 1;
                c.out = "bootmedic: I/O error: the device went away while it was being written\nBOOTMEDIC_EXIT=1\n";
                return c;
            }
            v.writes++;
            if (v.snapshotId == null) {
                cloud.violations.add("wrote " + v.id + ", an original volume (made from no snapshot)");
            }
            if (!hang && c.polls >= invisiblePolls + runPolls) {
                c.rc = responseCode;
                c.status = responseCode == 0 ? "Success" : "Failed";
                c.out = stdout;
                if (responseCode == 0) {
                    v.content = "fixed";
                }
            }
            return c;
        }
    }

    void cancel(String id, List<String> instances) {
        Command c = commands.get(id);
        if (c == null) {
            throw new Ec2Cloud.Refused("InvalidCommandId", "");
        }
        log.add("cancel " + c.volume);
        if (!terminal(c.status)) {
            c.cancelLeft = cancelPolls;
        }
    }
}
