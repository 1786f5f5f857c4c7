package io.bootmedic.cloud.aws;

import io.bootmedic.cloud.engine.EngineConfig;
import io.bootmedic.cloud.route.Connection;
import io.bootmedic.cloud.route.Route;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ssm.SsmClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** {@code bootmedic cloud aws}: EC2 instances repaired on Linux workers through SSM Run Command. */
public final class AwsRoute implements Route {
    private static final Pattern INSTANCE = Pattern.compile("i-[0-9a-f]{8,17}");
    private static final Pattern DEVICE = Pattern.compile("/dev/(sd[f-p]|xvd[f-p])");
    private static final long CSV_LIMIT = 1 << 20;

    @Override
    public String name() {
        return "aws";
    }

    @Override
    public String summary() {
        return "EC2 Windows instances: a copy of each root volume repaired on Linux workers through SSM (docs/routes/aws.md).";
    }

    @Override
    public Object newOptions() {
        return new AwsOptions();
    }

    @Override
    public Connection connect(Object options) {
        AwsOptions o = (AwsOptions) options;
        List<String> targets = targets(o);
        if (targets.isEmpty() && o.tag == null) {
            throw new IllegalArgumentException("say which instances: --instance-id, --tag KEY=VALUE or --csv FILE");
        }
        if (o.tag != null && o.tag.indexOf('=') < 1) {
            throw new IllegalArgumentException("--tag must be KEY=VALUE, not '" + o.tag + "'");
        }
        if (!o.scan.equals("status-checks") && !o.scan.equals("none")) {
            throw new IllegalArgumentException("--scan is status-checks or none, not '" + o.scan + "'");
        }
        for (String w : o.workers) {
            if (!INSTANCE.matcher(w).matches()) {
                throw new IllegalArgumentException("--worker must be an instance ID like i-0123456789abcdef0, not '" + w + "'");
            }
        }
        List<String> devices = o.devices.isEmpty() ? List.of("/dev/sdf") : List.copyOf(o.devices);
        for (String d : devices) {
            if (!DEVICE.matcher(d).matches()) {
                throw new IllegalArgumentException("--device must be a data device name from /dev/sdf to /dev/sdp (or /dev/xvdf..p), not '" + d + "'");
            }
        }
        if (o.executionTimeout < 60 || o.executionTimeout > 172_800) {
            throw new IllegalArgumentException("--execution-timeout is from 60 to 172800 seconds (SSM's limits)");
        }
        AwsCredentialsProvider creds = o.profile != null ? ProfileCredentialsProvider.create(o.profile) : DefaultCredentialsProvider.builder().build();
        Ec2Client ec2 = configure(Ec2Client.builder(), o, creds).build();
        SsmClient ssm = configure(SsmClient.builder(), o, creds).build();
        AutoScalingClient asg = configure(AutoScalingClient.builder(), o, creds).build();
        AutoCloseable closer = () -> {
            ec2.close();
            ssm.close();
            asg.close();
        };
        try {
            List<EngineConfig.Worker> workers = new ArrayList<>();
            for (String w : o.workers) {
                Instance i = AwsErrors.call("DescribeInstances " + w, () -> ec2.describeInstances(b -> b.instanceIds(w))).reservations().stream()
                        .flatMap(r -> r.instances().stream()).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("worker " + w + " does not exist in this region"));
                if (!"running".equals(i.state().nameAsString())) {
                    throw new IllegalArgumentException("worker " + w + " is " + i.state().nameAsString() + ": start it first");
                }
                workers.add(new EngineConfig.Worker(w, devices, i.placement().availabilityZone()));
            }
            AwsWorker.Settings settings = new AwsWorker.Settings(o.bootmedic, o.config, o.keyBundle, o.passphraseFile, o.outbox, o.executionTimeout);
            AwsProvider provider = new AwsProvider(ec2, ssm, asg, settings, targets, o.tag, o.scan.equals("status-checks"));
            String region = ec2.serviceClientConfiguration().region().id();
            return new Connection(provider, workers, "aws " + region + (o.endpoint != null ? " at " + o.endpoint : ""), closer);
        } catch (RuntimeException e) {
            try {
                closer.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static <B extends AwsClientBuilder<B, ?>> B configure(B b, AwsOptions o, AwsCredentialsProvider creds) {
        b.credentialsProvider(creds);
        if (o.region != null) {
            b.region(Region.of(o.region));
        }
        if (o.endpoint != null) {
            b.endpointOverride(o.endpoint);
        }
        if (b instanceof software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder<?, ?> sync) {
            sync.httpClientBuilder(UrlConnectionHttpClient.builder());
        }
        return b;
    }

    static List<String> targets(AwsOptions o) {
        List<String> ids = new ArrayList<>(o.instanceIds);
        if (o.csv != null) {
            try {
                if (Files.size(o.csv) > CSV_LIMIT) {
                    throw new IllegalArgumentException(o.csv + " is over 1 MiB: not a list of instance IDs");
                }
                List<String> lines = Files.readAllLines(o.csv, StandardCharsets.UTF_8);
                for (int n = 0; n < lines.size(); n++) {
                    String first = lines.get(n).split(",", 2)[0].trim().replace("\"", "");
                    if (first.isEmpty() || first.startsWith("#") || n == 0 && !first.startsWith("i-")) {
                        continue;
                    }
                    if (!INSTANCE.matcher(first).matches()) {
                        throw new IllegalArgumentException(o.csv + " line " + (n + 1) + ": '" + first + "' is not an instance ID");
                    }
                    ids.add(first);
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + o.csv + ": " + e.getMessage());
            }
        }
        for (String id : ids) {
            if (!INSTANCE.matcher(id).matches()) {
                throw new IllegalArgumentException("'" + id + "' is not an instance ID like i-0123456789abcdef0");
            }
        }
        return ids.stream().distinct().toList();
    }
}
