package io.bootmedic.cloud.aws;

import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The AWS route's options; the names and meanings are those of the script it replaced (docs/routes/aws.md). */
public final class AwsOptions {
    @Option(names = "--region", paramLabel = "R", description = "The region (default: the SDK's chain: AWS_REGION, the profile's region).")
    String region;

    @Option(names = "--profile", paramLabel = "NAME", description = "A named profile of ~/.aws/config (default: the SDK's default credential chain).")
    String profile;

    @Option(names = "--worker", required = true, paramLabel = "i-ID",
            description = "A Linux worker instance with the SSM agent and bootmedic installed, in the targets' Availability Zone; repeatable.")
    List<String> workers = new ArrayList<>();

    @Option(names = "--device", paramLabel = "NAME", description = "Device names each worker lends, one copy each at a time; repeatable (default /dev/sdf).")
    List<String> devices = new ArrayList<>();

    @Option(names = "--instance-id", paramLabel = "i-ID", description = "A target instance; repeatable.")
    List<String> instanceIds = new ArrayList<>();

    @Option(names = "--tag", paramLabel = "KEY=VALUE", description = "Every instance with this tag (the checks still skip all but Windows).")
    String tag;

    @Option(names = "--csv", paramLabel = "FILE", description = "One instance ID per line (first column; '#' comments; a header is skipped).")
    Path csv;

    @Option(names = "--scan", defaultValue = "status-checks", paramLabel = "HOW",
            description = "Before stopping: 'status-checks' leaves running any instance whose EC2 reachability check passes (it boots); 'none' does not look.")
    String scan;

    @Option(names = "--bootmedic", paramLabel = "PATH", description = "The launcher on the worker (default: bootmedic on PATH, else /opt/bootmedic/bootmedic).")
    String bootmedic;

    @Option(names = "--config", paramLabel = "F", description = "agent.conf ON THE WORKER: BitLocker keys from the collector, results sent there.")
    String config;

    @Option(names = "--key-bundle", paramLabel = "F", description = "A key bundle ON THE WORKER.")
    String keyBundle;

    @Option(names = "--passphrase-file", paramLabel = "F", description = "The key bundle's passphrase file ON THE WORKER.")
    String passphraseFile;

    @Option(names = "--outbox", paramLabel = "DIR", description = "Where bootmedic on the worker keeps reports it could not send.")
    String outbox;

    @Option(names = "--execution-timeout", defaultValue = "3600", paramLabel = "S", description = "SSM executionTimeout of the fix (default ${DEFAULT-VALUE}).")
    int executionTimeout;

    @Option(names = "--endpoint", hidden = true, description = "Every service at this URL (tests: the local emulator).")
    URI endpoint;
}
