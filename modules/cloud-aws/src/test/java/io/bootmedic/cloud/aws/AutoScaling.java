package io.bootmedic.cloud.aws;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Auto Scaling membership (query protocol, Version 2011-01-01): DescribeAutoScalingInstances,
 * EnterStandby (EnteringStandby -> Standby) and ExitStandby (Pending -> InService), one poll each.
 */
final class AutoScaling {
    static final String NS = "http://autoscaling.amazonaws.com/doc/2011-01-01/";

    static final class Member {
        final String group;
        String state = "InService";

        Member(String group) {
            this.group = group;
        }
    }

    final Map<String, Member> members = new LinkedHashMap<>();
    final List<String> log = new java.util.ArrayList<>();

    boolean inService(String instance) {
        Member m = members.get(instance);
        return m != null && !m.state.equals("Standby");
    }

    String handle(String action, Query q) {
        List<String> ids = q.list("InstanceIds.member");
        return switch (action) {
            case "DescribeAutoScalingInstances" -> describe(ids);
            case "EnterStandby" -> standby("EnterStandby", q, ids, "EnteringStandby");
            case "ExitStandby" -> standby("ExitStandby", q, ids, "Pending");
            default -> throw new Ec2Cloud.Refused("InvalidAction", action);
        };
    }

    private String describe(List<String> ids) {
        Xml x = new Xml().open("DescribeAutoScalingInstancesResponse", NS).open("DescribeAutoScalingInstancesResult").open("AutoScalingInstances");
        for (String id : ids) {
            Member m = members.get(id);
            if (m == null) {
                continue;
            }
            String shown = m.state;
            if (m.state.equals("EnteringStandby")) {
                m.state = "Standby";
            } else if (m.state.equals("Pending")) {
                m.state = "InService";
            }
            x.open("member").el("InstanceId", id).el("InstanceType", "m5.large").el("AutoScalingGroupName", m.group)
                    .el("AvailabilityZone", Ec2Cloud.ZONE).el("LifecycleState", shown).el("HealthStatus", "HEALTHY")
                    .el("ProtectedFromScaleIn", false).close("member");
        }
        return x.close("AutoScalingInstances").close("DescribeAutoScalingInstancesResult")
                .open("ResponseMetadata").el("RequestId", "req-asg").close("ResponseMetadata").close("DescribeAutoScalingInstancesResponse").toString();
    }

    private String standby(String action, Query q, List<String> ids, String next) {
        Xml x = new Xml().open(action + "Response", NS).open(action + "Result").open("Activities");
        for (String id : ids) {
            Member m = members.get(id);
            if (m == null || !m.group.equals(q.get("AutoScalingGroupName"))) {
                throw new Ec2Cloud.Refused("ValidationError", "The instance " + id + " is not part of Auto Scaling group " + q.get("AutoScalingGroupName") + ".");
            }
            if (action.equals("EnterStandby") && !m.state.equals("InService") || action.equals("ExitStandby") && !m.state.equals("Standby")) {
                throw new Ec2Cloud.Refused("ValidationError", "The instance " + id + " is not in " + (action.equals("EnterStandby") ? "InService" : "Standby") + ".");
            }
            log.add(action + " " + id + (q.flag("ShouldDecrementDesiredCapacity") ? " decrement" : ""));
            m.state = next;
            x.open("member").el("ActivityId", "act-" + id).el("AutoScalingGroupName", m.group).el("Description", action + " " + id)
                    .el("Cause", "user request").el("StartTime", "2026-12-01T22:00:00Z").el("StatusCode", "InProgress").el("Progress", 50).close("member");
        }
        return x.close("Activities").close(action + "Result").open("ResponseMetadata").el("RequestId", "req-sb").close("ResponseMetadata")
                .close(action + "Response").toString();
    }
}
