package io.bootmedic.cloud.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One loopback HTTP endpoint for every service the route calls, told apart as the protocols
 * do: SSM is JSON 1.1 ("X-Amz-Target: AmazonSSM.&lt;Operation&gt;"), EC2, STS and Auto Scaling are
 * query-protocol POSTs whose Version says the service. The real aws CLI reaches it with
 * --endpoint-url (awscli 2.9 predates AWS_ENDPOINT_URL; the script passes it on).
 */
final class AwsEndpoint implements AutoCloseable {
    static final String WORKER = "i-0feed0000000bee1";

    final Ec2Cloud ec2 = new Ec2Cloud();
    final SsmWorker ssm = new SsmWorker(ec2, WORKER);
    final AutoScaling asg = new AutoScaling();
    private final Ec2Api ec2Api = new Ec2Api(ec2, ssm, asg);
    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    final List<String> calls = new ArrayList<>();

    AwsEndpoint() throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true"); // else each answer waits out delayed ACKs (40 ms a call)
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::serve);
        server.start();
        Ec2Cloud.Instance w = ec2.addInstance(WORKER, null);
        w.rootDevice = "/dev/xvda";
        Ec2Cloud.Volume wroot = ec2.addVolume("vol-0feed00000000bee");
        ec2.attachNow(wroot, w, "/dev/xvda", true);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void serve(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
        boolean throttle;
        synchronized (calls) {
            throttle = throttleEvery > 0 && ++served % throttleEvery == 0;
        }
        if (authFailure) {
            byte[] out = ("<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials"
                    + "</Message></Error></Errors><RequestID>req-a</RequestID></Response>").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/xml;charset=UTF-8");
            ex.sendResponseHeaders(401, out.length);
            ex.getResponseBody().write(out);
            ex.close();
            return;
        }
        if (throttle) {
            boolean ssmCall = target != null;
            byte[] out = (ssmCall ? "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}"
                    : "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors>"
                            + "<RequestID>req-t</RequestID></Response>").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", ssmCall ? "application/x-amz-json-1.1" : "text/xml;charset=UTF-8");
            ex.sendResponseHeaders(ssmCall ? 400 : 503, out.length);
            ex.getResponseBody().write(out);
            ex.close();
            synchronized (calls) {
                calls.add("throttled");
            }
            return;
        }
        int status = 200;
        String type;
        String answer;
        if (target != null && target.startsWith("AmazonSSM.")) {
            type = "application/x-amz-json-1.1";
            String op = target.substring("AmazonSSM.".length());
            synchronized (calls) {
                calls.add("ssm " + op);
            }
            try {
                answer = ssm(op, json.readTree(body));
            } catch (Ec2Cloud.Refused r) {
                status = 400;
                answer = json.createObjectNode().put("__type", r.code).put("message", r.getMessage()).toString();
            }
        } else {
            type = "text/xml;charset=UTF-8";
            Query q = new Query(body);
            String action = q.get("Action");
            String version = q.get("Version");
            synchronized (calls) {
                calls.add(version + " " + action);
            }
            try {
                answer = switch (version == null ? "" : version) {
                    case "2016-11-15" -> ec2Api.handle(action, q);
                    case "2011-06-15" -> sts(action);
                    case "2011-01-01" -> {
                        synchronized (ec2) {
                            yield asg.handle(action, q);
                        }
                    }
                    default -> throw new Ec2Cloud.Refused("InvalidAction", "unknown service version " + version);
                };
            } catch (Ec2Cloud.Refused r) {
                status = 400;
                answer = "2016-11-15".equals(version)
                        ? new Xml().open("Response").open("Errors").open("Error").el("Code", r.code).el("Message", r.getMessage())
                        .close("Error").close("Errors").el("RequestID", "req-err").close("Response").toString()
                        : new Xml().open("ErrorResponse").open("Error").el("Type", "Sender").el("Code", r.code).el("Message", r.getMessage())
                        .close("Error").el("RequestId", "req-err").close("ErrorResponse").toString();
            }
        }
        byte[] out = answer.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("x-amzn-RequestId", "req-0");
        ex.sendResponseHeaders(status, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    private static String sts(String action) {
        if (!"GetCallerIdentity".equals(action)) {
            throw new Ec2Cloud.Refused("InvalidAction", action);
        }
        return new Xml().open("GetCallerIdentityResponse", "https://sts.amazonaws.com/doc/2011-06-15/").open("GetCallerIdentityResult")
                .el("Arn", "arn:aws:iam::111122223333:user/admin").el("UserId", "AIDAEXAMPLE").el("Account", "111122223333")
                .close("GetCallerIdentityResult").open("ResponseMetadata").el("RequestId", "req-sts").close("ResponseMetadata")
                .close("GetCallerIdentityResponse").toString();
    }

    /** Members each SSM operation takes (its JSON input shape); SSM answers a ValidationException to others. */
    private static final Map<String, List<String>> SSM_MEMBERS = Map.of(
            "SendCommand", List.of("InstanceIds", "DocumentName", "Comment", "TimeoutSeconds", "Parameters"),
            "GetCommandInvocation", List.of("CommandId", "InstanceId", "PluginName"),
            "CancelCommand", List.of("CommandId", "InstanceIds"),
            "ListCommands", List.of("InstanceId", "CommandId", "MaxResults", "NextToken", "Filters"));

    /** Every Nth call of any service answers as throttled (0: never), as EC2 and SSM do when the account's rate is spent. */
    volatile int throttleEvery;
    /** Every call refused as EC2 refuses a request signed with unknown keys. */
    volatile boolean authFailure;
    private int served;

    private String ssm(String op, JsonNode in) {
        ObjectNode out = json.createObjectNode();
        List<String> members = SSM_MEMBERS.get(op);
        if (members != null) {
            in.fieldNames().forEachRemaining(f -> {
                if (!members.contains(f)) {
                    throw new Ec2Cloud.Refused("ValidationException", "1 validation error detected: unknown member " + f);
                }
            });
        }
        if ("SendCommand".equals(op) && in.path("Comment").asText("").length() > 100) {
            throw new Ec2Cloud.Refused("ValidationException", "Comment: Member must have length less than or equal to 100");
        }
        switch (op) {
            case "ListCommands" -> {
                String instance = in.path("InstanceId").asText();
                int start = in.has("NextToken") ? Integer.parseInt(in.get("NextToken").asText()) : 0;
                List<SsmWorker.Command> mine = ssm.commands.values().stream().filter(c -> c.instance.equals(instance)).toList();
                int page = 2; // smaller than SSM's default 50: paging is always exercised
                var list = out.putArray("Commands");
                for (int n = start; n < Math.min(mine.size(), start + page); n++) {
                    SsmWorker.Command c = mine.get(n);
                    list.addObject().put("CommandId", c.id).put("Comment", c.comment).put("DocumentName", "AWS-RunShellScript").put("Status", c.status)
                            .putArray("InstanceIds").add(c.instance);
                }
                if (start + page < mine.size()) {
                    out.put("NextToken", Integer.toString(start + page));
                }
            }
            case "SendCommand" -> {
                Map<String, List<String>> params = new LinkedHashMap<>();
                in.path("Parameters").fields().forEachRemaining(e -> {
                    List<String> values = new ArrayList<>();
                    e.getValue().forEach(v -> values.add(v.asText()));
                    params.put(e.getKey(), values);
                });
                SsmWorker.Command c;
                synchronized (ec2) {
                    c = ssm.send(in.path("InstanceIds").path(0).asText(), in.path("DocumentName").asText(), params,
                            in.path("Comment").asText(null), in.has("TimeoutSeconds") ? in.get("TimeoutSeconds").asInt() : null);
                }
                ObjectNode cmd = out.putObject("Command");
                cmd.put("CommandId", c.id).put("DocumentName", "AWS-RunShellScript").put("Comment", c.comment).put("Status", "Pending")
                        .put("RequestedDateTime", 1.7647e9).put("TargetCount", 1).put("CompletedCount", 0);
                cmd.putArray("InstanceIds").add(c.instance);
            }
            case "GetCommandInvocation" -> {
                SsmWorker.Command c = ssm.poll(in.path("CommandId").asText(), in.path("InstanceId").asText());
                String o = c.out.length() > SsmWorker.OUTPUT_LIMIT ? c.out.substring(0, SsmWorker.OUTPUT_LIMIT) : c.out;
                out.put("CommandId", c.id).put("InstanceId", c.instance).put("Comment", c.comment).put("DocumentName", "AWS-RunShellScript")
                        .put("PluginName", "aws:runShellScript").put("ResponseCode", c.rc).put("ExecutionStartDateTime", "2026-12-01T22:00:00.000Z")
                        .put("Status", c.status).put("StatusDetails", c.status).put("StandardOutputContent", o).put("StandardErrorContent", "");
            }
            case "CancelCommand" -> {
                List<String> ids = new ArrayList<>();
                in.path("InstanceIds").forEach(v -> ids.add(v.asText()));
                synchronized (ec2) {
                    ssm.cancel(in.path("CommandId").asText(), ids);
                }
            }
            default -> throw new Ec2Cloud.Refused("InvalidAction", op);
        }
        return out.toString();
    }
}
