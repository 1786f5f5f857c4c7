package io.bootmedic.massremediation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Checks Kubernetes manifests (ConfigMap v1, Job batch/v1) against the fields of the Kubernetes
 * API, written down here from the API reference (kubernetes.io/docs/reference/kubernetes-api:
 * Job v1, PodSpec, Container, Volume, ConfigMap) and the feature-state notes of the Job docs; JobSpec
 * is every property of io.k8s.api.batch.v1.JobSpec in kubernetes/kubernetes'
 * api/openapi-spec/v3/apis__batch__v1_openapi.json (names and types compared by hand): every
 * field a manifest uses must exist, with the right type or one of its allowed values, and each
 * field carries the Kubernetes version from which it is on by default. The check prints one
 * problem per line and, last, "MIN <version>": the oldest Kubernetes the manifests work on.
 * Only the types the manifests here use are listed; anything else is reported as unknown.
 * Not the API server: no defaulting, no admission; the cross-field rules it knows are listed in RULES.
 */
final class KubernetesSchema {
    private KubernetesSchema() {
    }

    /** PyYAML parses; the check is python so the YAML is read exactly as a YAML 1.1 parser (like sigs.k8s.io/yaml) reads it. */
    static final String CHECKER = """
            import re, sys, yaml
            S, I, B, Q, M = "string", "integer", "boolean", "quantity", "map"
            def f(t, since="1.0", values=None): return (t, since, values)
            T = {
              "ObjectMeta": {"name": f(S), "generateName": f(S), "namespace": f(S), "labels": f(M), "annotations": f(M)},
              "ConfigMap": {"apiVersion": f(S), "kind": f(S), "metadata": f("ObjectMeta"), "data": f(M), "binaryData": f(M),
                            "immutable": f(B, "1.21")},
              "Job": {"apiVersion": f(S), "kind": f(S), "metadata": f("ObjectMeta"), "spec": f("JobSpec")},
              "JobSpec": {"parallelism": f(I), "completions": f(I), "activeDeadlineSeconds": f(I), "backoffLimit": f(I),
                          "completionMode": f(S, "1.24", ["NonIndexed", "Indexed"]), "suspend": f(B, "1.24"),
                          "ttlSecondsAfterFinished": f(I, "1.23"), "manualSelector": f(B), "selector": f("any"),
                          "podFailurePolicy": f("any", "1.26"), "successPolicy": f("any", "1.31"), "managedBy": f(S, "1.32"),
                          # beta, on by default from 1.29 (JobBackoffLimitPerIndex; GA 1.33)
                          "backoffLimitPerIndex": f(I, "1.29"), "maxFailedIndexes": f(I, "1.29"),
                          # beta, on by default from 1.29 (JobPodReplacementPolicy; GA 1.34)
                          "podReplacementPolicy": f(S, "1.29", ["TerminatingOrFailed", "Failed"]),
                          "template": f("PodTemplateSpec")},
              "PodTemplateSpec": {"metadata": f("ObjectMeta"), "spec": f("PodSpec")},
              "PodSpec": {"restartPolicy": f(S, values=["Always", "OnFailure", "Never"]), "securityContext": f("PodSecurityContext"),
                          "containers": f(["Container"]), "initContainers": f(["Container"]), "volumes": f(["Volume"]),
                          "nodeSelector": f(M), "serviceAccountName": f(S), "tolerations": f(["any"]), "affinity": f("any"),
                          "priorityClassName": f(S), "imagePullSecrets": f(["any"]), "terminationGracePeriodSeconds": f(I)},
              "PodSecurityContext": {"runAsUser": f(I), "runAsGroup": f(I), "runAsNonRoot": f(B), "supplementalGroups": f([I]),
                                     "fsGroup": f(I), "fsGroupChangePolicy": f(S, "1.20", ["OnRootMismatch", "Always"]),
                                     "seccompProfile": f("SeccompProfile", "1.19")},
              "SeccompProfile": {"type": f(S, values=["RuntimeDefault", "Unconfined", "Localhost"]), "localhostProfile": f(S)},
              "Container": {"name": f(S), "image": f(S), "imagePullPolicy": f(S, values=["Always", "IfNotPresent", "Never"]),
                            "command": f([S]), "args": f([S]), "workingDir": f(S), "env": f(["EnvVar"]),
                            "resources": f("ResourceRequirements"), "securityContext": f("SecurityContext"),
                            "volumeMounts": f(["VolumeMount"])},
              "EnvVar": {"name": f(S), "value": f(S), "valueFrom": f("any")},
              "ResourceRequirements": {"requests": f({"cpu": Q, "memory": Q, "ephemeral-storage": Q}),
                                       "limits": f({"cpu": Q, "memory": Q, "ephemeral-storage": Q})},
              "SecurityContext": {"allowPrivilegeEscalation": f(B), "readOnlyRootFilesystem": f(B), "privileged": f(B),
                                  "runAsUser": f(I), "runAsGroup": f(I), "runAsNonRoot": f(B), "capabilities": f("Capabilities"),
                                  "seccompProfile": f("SeccompProfile", "1.19")},
              "Capabilities": {"add": f([S]), "drop": f([S])},
              "VolumeMount": {"name": f(S), "mountPath": f(S), "readOnly": f(B), "subPath": f(S)},
              "Volume": {"name": f(S), "persistentVolumeClaim": f("PVCSource"), "secret": f("SecretSource"),
                         "configMap": f("ConfigMapSource"), "emptyDir": f("EmptyDirSource")},
              "PVCSource": {"claimName": f(S), "readOnly": f(B)},
              "SecretSource": {"secretName": f(S), "optional": f(B), "defaultMode": f(I), "items": f(["any"])},
              "ConfigMapSource": {"name": f(S), "optional": f(B), "defaultMode": f(I), "items": f(["any"])},
              # sizeLimit also sizes a Memory emptyDir from 1.22 (SizeMemoryBackedVolumes beta); before, eviction enforces it
              "EmptyDirSource": {"medium": f(S, values=["", "Memory"]), "sizeLimit": f(Q, "1.22")},
            }
            KINDS = {("v1", "ConfigMap"): "ConfigMap", ("batch/v1", "Job"): "Job"}
            problems, used = [], {}
            def p(m): problems.append(m)
            def ver(v): return tuple(int(x) for x in v.split("."))
            QTY = re.compile(r"^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
            def check(node, t, path):
                if t == "any": return
                if isinstance(t, list):
                    if not isinstance(node, list): return p("%s: must be a list" % path)
                    for k, v in enumerate(node): check(v, t[0], "%s[%d]" % (path, k))
                    return
                if isinstance(t, dict):
                    if not isinstance(node, dict): return p("%s: must be a map" % path)
                    for k, v in node.items():
                        if k not in t: p("%s.%s: unknown resource name" % (path, k))
                        else: check(v, t[k], path + "." + k)
                    return
                if t == S:
                    if not isinstance(node, str): p("%s: must be a string, is %r" % (path, node))
                elif t == I:
                    if not isinstance(node, int) or isinstance(node, bool): p("%s: must be an integer, is %r" % (path, node))
                elif t == B:
                    if not isinstance(node, bool): p("%s: must be true or false, is %r" % (path, node))
                elif t == Q:
                    if not (isinstance(node, int) or (isinstance(node, str) and QTY.match(node))): p("%s: not a quantity: %r" % (path, node))
                elif t == M:
                    if not isinstance(node, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in node.items()):
                        p("%s: must map strings to strings" % path)
                else:
                    if not isinstance(node, dict): return p("%s: must be an object (%s)" % (path, t))
                    for k, v in node.items():
                        if k not in T[t]: p("%s.%s: unknown field of %s" % (path, k, t)); continue
                        ft, since, values = T[t][k]
                        used[path + "." + k] = since
                        if values is not None and v not in values: p("%s.%s: %r is not one of %s" % (path, k, v, values))
                        check(v, ft, path + "." + k)
            def one(fname):
                problems.clear(); used.clear()
                docs = [d for d in yaml.safe_load_all(open(fname)) if d is not None]
                names = {}
                for n, d in enumerate(docs):
                    kind = KINDS.get((d.get("apiVersion"), d.get("kind")))
                    if not kind: p("document %d: %s %s is not a kind this check knows" % (n, d.get("apiVersion"), d.get("kind"))); continue
                    check(d, kind, kind)
                    names[(kind, d.get("metadata", {}).get("name"))] = d
                # RULES: cross-field constraints of the API reference
                DNS = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
                for (kind, name), d in names.items():
                    if not name or not DNS.match(name) or len(name) > 63: p("%s: metadata.name %r is not a DNS label" % (kind, name))
                    ns = d.get("metadata", {}).get("namespace")
                    if ns is not None and not DNS.match(ns): p("%s: namespace %r is not a DNS label" % (kind, ns))
                for (kind, name), d in names.items():
                    if kind != "Job": continue
                    s = d.get("spec", {}); pod = s.get("template", {}).get("spec", {})
                    if ("backoffLimitPerIndex" in s or "maxFailedIndexes" in s) and (s.get("completionMode") != "Indexed" or pod.get("restartPolicy") != "Never"):
                        p("Job: backoffLimitPerIndex needs completionMode Indexed and restartPolicy Never")
                    if "podFailurePolicy" in s and s.get("podReplacementPolicy", "Failed") != "Failed":
                        p("Job: with podFailurePolicy, podReplacementPolicy must be Failed")
                    if pod.get("restartPolicy") not in ("Never", "OnFailure"): p("Job: restartPolicy must be Never or OnFailure")
                    if s.get("completionMode") == "Indexed" and "completions" not in s: p("Job: an Indexed Job needs completions")
                    if s.get("parallelism", 1) > s.get("completions", 1): p("Job: parallelism above completions")
                    vols = {v["name"]: v for v in pod.get("volumes", [])}
                    for c in pod.get("containers", []):
                        for m in c.get("volumeMounts", []):
                            if m.get("name") not in vols: p("Job: volumeMount %s names no volume" % m.get("name"))
                    for v in vols.values():
                        if "configMap" in v and not v["configMap"].get("optional") and ("ConfigMap", v["configMap"].get("name")) not in names:
                            p("Job: volume %s needs ConfigMap %s, which these manifests do not create" % (v["name"], v["configMap"].get("name")))
                        for src in ("secret", "configMap"):
                            mode = v.get(src, {}).get("defaultMode")
                            if mode is not None and not 0 <= mode <= 0o777: p("Job: volume %s defaultMode %r out of 0..0777" % (v["name"], mode))
                for path in sorted(used): print("FIELD %s %s" % (used[path], path))
                print("\\n".join(problems))
                print("MIN %s" % max(used.values(), key=ver) if used else "MIN none")
                return 1 if problems else 0
            worst = 0
            for fname in sys.argv[1:]:
                print("@@ " + fname)
                worst = max(worst, one(fname))
            sys.exit(worst)
            """;

    record Result(int exit, String text) {
        /** The oldest Kubernetes version the manifests need. */
        String minVersion() {
            return text.lines().filter(l -> l.startsWith("MIN ")).map(l -> l.substring(4)).findFirst().orElse("?");
        }

        List<String> problems() {
            return text.lines().filter(l -> !l.startsWith("MIN ") && !l.startsWith("FIELD ") && !l.isBlank()).toList();
        }

        /** The version a field path (e.g. Job.spec.podReplacementPolicy) needs, as the check recorded it. */
        String since(String path) {
            return text.lines().filter(l -> l.startsWith("FIELD ") && l.endsWith(" " + path)).map(l -> l.split(" ")[1]).findFirst().orElse(null);
        }
    }

    static Result check(Path manifests, Path workDir) throws Exception {
        return checkAll(List.of(manifests), workDir).get(0);
    }

    /** One run of the checker for several files (one python start: they are slow on a busy machine). */
    static List<Result> checkAll(List<Path> files, Path workDir) throws Exception {
        Path checker = Files.writeString(workDir.resolve("k8s_schema.py"), CHECKER);
        List<String> cmd = new java.util.ArrayList<>(List.of("python3", checker.toString()));
        files.forEach(f -> cmd.add(f.toString()));
        ManifestsTest.Out r = ManifestsTest.run(cmd, Map.of(), null);
        String[] parts = r.text().split("(?m)^@@ .*\\n");
        List<Result> out = new java.util.ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            String text = parts[i];
            boolean bad = text.lines().anyMatch(l -> !l.startsWith("MIN ") && !l.startsWith("FIELD ") && !l.isBlank());
            out.add(new Result(bad ? 1 : 0, text));
        }
        if (out.size() != files.size()) {
            throw new AssertionError("schema check did not run: " + r.text());
        }
        return out;
    }
}
