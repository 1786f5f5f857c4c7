package io.bootmedic.cloud.aws;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.cloud.provider.Model.CommandInfo;
import io.bootmedic.cloud.provider.Model.CommandState;
import io.bootmedic.cloud.worker.WorkerOutput;
import io.bootmedic.cloud.worker.WorkerScript;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Command;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The worker side through SSM Run Command: worker-fix.sh, sent as one AWS-RunShellScript line. The command's Comment
 * is the engine's unique fix name, so a resumed run finds the command it started instead of starting a second writer.
 */
final class AwsWorker {
    /** Paths on the worker and the run command's limits. */
    record Settings(String bootmedic, String config, String keyBundle, String passphraseFile, String outbox, int executionTimeout) {
    }

    private static final String DOCUMENT = "AWS-RunShellScript";
    private static final long RELEASE_WAIT_MILLIS = 90_000;

    private final Ec2Client ec2;
    private final SsmClient ssm;
    private final Settings settings;

    AwsWorker(Ec2Client ec2, SsmClient ssm, Settings settings) {
        this.ec2 = ec2;
        this.ssm = ssm;
        this.settings = settings;
    }

    String startFix(String workerId, String device, Volume copy, String name) {
        List<String> args = new ArrayList<>(List.of("--ebs-volume", copy.volumeId(), "--ebs-device", device));
        if (copy.size() != null) {
            args.addAll(List.of("--expect-size", Long.toString(copy.size() * 1024L * 1024 * 1024)));
        }
        add(args, "--bootmedic", settings.bootmedic());
        add(args, "--config", settings.config());
        add(args, "--key-bundle", settings.keyBundle());
        add(args, "--passphrase-file", settings.passphraseFile());
        add(args, "--outbox", settings.outbox());
        return send(workerId, name, args, settings.executionTimeout());
    }

    private static void add(List<String> args, String flag, String value) {
        if (value != null) {
            args.add(flag);
            args.add(value);
        }
    }

    private String send(String workerId, String comment, List<String> args, int executionTimeout) {
        String line = WorkerScript.commandLine(args);
        return AwsErrors.call("SendCommand to " + workerId, () -> ssm.sendCommand(b -> b.instanceIds(workerId).documentName(DOCUMENT).comment(comment)
                .timeoutSeconds(600).parameters(Map.of("commands", List.of(line), "executionTimeout", List.of(Integer.toString(executionTimeout)))))
                .command().commandId());
    }

    Optional<CommandInfo> find(String workerId, String name) {
        Optional<Command> c = AwsErrors.call("ListCommands on " + workerId,
                () -> ssm.listCommandsPaginator(b -> b.instanceId(workerId)).commands().stream().filter(x -> name.equals(x.comment())).findFirst());
        return c.map(x -> describe(workerId, x.commandId()));
    }

    CommandInfo describe(String workerId, String commandId) {
        GetCommandInvocationResponse r = AwsErrors.call("GetCommandInvocation " + commandId,
                () -> ssm.getCommandInvocation(b -> b.commandId(commandId).instanceId(workerId)));
        CommandState state = switch (r.statusAsString()) {
            case "Pending", "Delayed" -> CommandState.PENDING;
            case "Success" -> CommandState.SUCCESS;
            case "Failed" -> CommandState.FAILED;
            case "TimedOut" -> CommandState.TIMED_OUT;
            case "Cancelled" -> CommandState.CANCELLED;
            default -> CommandState.IN_PROGRESS; // InProgress, Cancelling
        };
        WorkerOutput out = WorkerOutput.parse(r.standardOutputContent());
        // the script prints BOOTMEDIC_EXIT only after bootmedic ended; a timed-out or cancelled command may have killed
        // only the shell, so there the writer's exit is not seen, whatever the output says
        boolean exited = (state == CommandState.SUCCESS || state == CommandState.FAILED) && out.writerExited();
        return new CommandInfo(commandId, r.comment(), state, exited, state == CommandState.SUCCESS && out.changed());
    }

    void cancel(String workerId, String commandId) {
        AwsErrors.run("CancelCommand " + commandId, () -> ssm.cancelCommand(b -> b.commandId(commandId).instanceIds(workerId)));
    }

    /** Asks the worker (worker-fix.sh --release) whether anything holds the volume; no answer in time counts as held. */
    boolean held(String workerId, String volumeId) {
        String id = send(workerId, "bootmedic release check " + volumeId, List.of("--release", "--ebs-volume", volumeId), 120);
        long until = System.currentTimeMillis() + RELEASE_WAIT_MILLIS;
        while (System.currentTimeMillis() < until) {
            try {
                GetCommandInvocationResponse r = ssm.getCommandInvocation(b -> b.commandId(id).instanceId(workerId));
                String status = r.statusAsString();
                if (List.of("Success", "Failed", "TimedOut", "Cancelled").contains(status)) {
                    WorkerOutput out = WorkerOutput.parse(r.standardOutputContent());
                    return !(status.equals("Success") && out.released() && !out.busy());
                }
            } catch (software.amazon.awssdk.services.ssm.model.InvocationDoesNotExistException e) {
                // not readable yet right after SendCommand
            } catch (software.amazon.awssdk.core.exception.SdkException e) {
                throw AwsErrors.classify("GetCommandInvocation " + id, e);
            }
            try {
                Thread.sleep(Long.getLong("bootmedic.aws.releasePollMillis", 2_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CloudException(Kind.TRANSIENT, "interrupted while asking " + workerId + " about " + volumeId);
            }
        }
        return true;
    }
}
