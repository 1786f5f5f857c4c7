package io.bootmedic.massremediation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The SSM Automation document and the Kubernetes Job, parsed with PyYAML (python3-yaml; the test
 * classpath has no YAML parser): required fields, references between steps, and the shell they
 * carry, which is run here.
 */
class ManifestsTest {
    static final String SSM = "scripts/aws/bootmedic-remediate.ssm.yaml";

    /** Checks an SSM Automation document; prints one problem per line, exit 1 if any. */
    static final String CHECK_SSM = """
            import re, sys, yaml
            doc = yaml.safe_load(open(sys.argv[1]))
            problems = []
            def p(m): problems.append(m)
            for k in ("schemaVersion", "description", "assumeRole", "parameters", "mainSteps"):
                if k not in doc: p("missing required field " + k)
            if doc.get("schemaVersion") != "0.3": p("schemaVersion must be the string '0.3', is %r" % doc.get("schemaVersion"))
            params = doc.get("parameters") or {}
            for name, spec in params.items():
                if spec.get("type") not in ("String", "StringList", "Integer", "Boolean", "MapList", "StringMap"): p("parameter %s: bad type" % name)
            known = {"aws:executeAwsApi", "aws:changeInstanceState", "aws:waitForAwsResourceProperty", "aws:runCommand",
                     "aws:executeScript", "aws:branch", "aws:sleep", "aws:assertAwsResourceProperty"}
            steps = doc.get("mainSteps") or []
            names = [s.get("name") for s in steps]
            if len(set(names)) != len(names): p("step names are not unique")
            outputs = {}
            for s in steps:
                if s.get("action") not in known: p("step %s: unknown action %s" % (s.get("name"), s.get("action")))
                if "inputs" not in s: p("step %s: no inputs" % s.get("name"))
                outputs[s["name"]] = {o["Name"] for o in s.get("outputs", [])}
                for key in ("onFailure", "nextStep"):
                    t = s.get(key)
                    if t and t not in ("Abort", "Continue"):
                        target = t[5:] if t.startswith("step:") else t
                        if target not in names: p("step %s: %s points to missing step %s" % (s["name"], key, target))
                if s.get("action") == "aws:executeScript" and "Runtime" not in s["inputs"]: p("step %s: no Runtime" % s["name"])
            def refs(node):
                if isinstance(node, str):
                    for r in re.findall(r"{{\\s*([^}\\s]+)\\s*}}", node): yield r
                elif isinstance(node, dict):
                    for v in node.values(): yield from refs(v)
                elif isinstance(node, list):
                    for v in node: yield from refs(v)
            for r in refs({k: v for k, v in doc.items() if k != "outputs"}):
                if "." in r:
                    step, out = r.split(".", 1)
                    if step not in outputs or out not in outputs[step]: p("reference {{ %s }}: no such step output" % r)
                elif r not in params and r not in ("automation:EXECUTION_ID", "global:REGION", "global:ACCOUNT_ID"):
                    p("reference {{ %s }}: no such parameter" % r)
            for o in doc.get("outputs", []):
                step, out = o.split(".", 1)
                if out not in outputs.get(step, set()): p("output %s is not declared by its step" % o)
            ends = [s["name"] for s in steps if s.get("isEnd")]
            if not ends: p("no step ends the automation (isEnd)")
            print("\\n".join(problems))
            sys.exit(1 if problems else 0)
            """;

    @TempDir
    Path tmp;

    @BeforeAll
    static void pyyaml() throws Exception {
        assumeTrue(run(List.of("python3", "-c", "import yaml"), Map.of(), null).exit() == 0,
                "python3 with PyYAML (Debian: python3-yaml) is needed to parse the YAML documents");
    }

    record Out(int exit, String text) {
    }

    static Out run(List<String> cmd, Map<String, String> env, Path stdinFile) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(new File(System.getProperty("user.dir"))).redirectErrorStream(true);
        pb.redirectInput(stdinFile == null ? ProcessBuilder.Redirect.from(new File("/dev/null")) : ProcessBuilder.Redirect.from(stdinFile.toFile()));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Out(p.exitValue(), out);
    }

    private Out checkSsm(Path doc) throws Exception {
        Path checker = Files.writeString(tmp.resolve("check_ssm.py"), CHECK_SSM);
        return run(List.of("python3", checker.toString(), doc.toString()), Map.of(), null);
    }

    @Test
    void ssmDocumentHasTheRequiredFieldsAndConsistentReferences() throws Exception {
        Out r = checkSsm(Path.of(SSM));
        assertEquals(0, r.exit(), r.text());
    }

    @Test
    void theSsmCheckCatchesBrokenDocuments() throws Exception {
        String good = Files.readString(Path.of(SSM));
        Path noRole = Files.writeString(tmp.resolve("no-role.yaml"), good.replace("assumeRole: '{{ AutomationAssumeRole }}'\n", ""));
        Path numeric = Files.writeString(tmp.resolve("numeric.yaml"), good.replace("schemaVersion: '0.3'", "schemaVersion: 0.3"));
        Path badRef = Files.writeString(tmp.resolve("bad-ref.yaml"), good.replace("{{ describeRootVolume.VolumeId }}' | tr", "{{ describeRootVolume.Volume }}' | tr"));
        Path badJump = Files.writeString(tmp.resolve("bad-jump.yaml"), good.replace("step:detachFromWorkerAfterFailure", "step:nowhere"));
        assertTrue(checkSsm(noRole).text().contains("missing required field assumeRole"));
        assertTrue(checkSsm(numeric).text().contains("schemaVersion must be the string '0.3'"));
        assertTrue(checkSsm(badRef).text().contains("{{ describeRootVolume.Volume }}: no such step output"));
        assertTrue(checkSsm(badJump).text().contains("points to missing step nowhere"));
    }

    @Test
    void ssmWorkerCommandsFindTheNvmeDiskAndRunBootmedicWithTheCollectorConfig() throws Exception {
        // the runBootmedic step's commands, with the {{ }} references filled as SSM would
        Path commands = tmp.resolve("commands.sh");
        Path dev = Files.createDirectories(tmp.resolve("dev/disk/by-id"));
        Out extract = run(List.of("python3", "-c", """
                import sys, yaml
                doc = yaml.safe_load(open(sys.argv[1]))
                step = [s for s in doc["mainSteps"] if s["name"] == "runBootmedic"][0]
                text = "\\n".join(step["inputs"]["Parameters"]["commands"])
                for k, v in {"{{ describeRootVolume.VolumeId }}": "vol-0abc", "{{ WorkerDeviceName }}": "/dev/sdf",
                             "{{ ConfigPath }}": "/etc/bootmedic/agent.conf", "{{ BootmedicPath }}": sys.argv[3]}.items():
                    text = text.replace(k, v)
                text = text.replace("/dev/disk/by-id/", sys.argv[4] + "/")
                open(sys.argv[2], "w").write(text + "\\n")
                """, SSM, commands.toString(), tmp.resolve("fake-bootmedic").toString(), dev.toString()), Map.of(), null);
        assertEquals(0, extract.exit(), extract.text());
        Path fakeBootmedic = Files.writeString(tmp.resolve("fake-bootmedic"), "#!/bin/sh\necho \"$@\" > " + tmp.resolve("argv") + "\nexit 0\n");
        Files.setPosixFilePermissions(fakeBootmedic, PosixFilePermissions.fromString("rwx------"));
        // a block device for the NVMe name: the loop-free way is a symlink to an existing one
        Path nvme = dev.resolve("nvme-Amazon_Elastic_Block_Store_vol0abc");
        Path someBlock = Files.list(Path.of("/dev")).filter(p -> p.getFileName().toString().matches("(loop|sd|vd|nvme|xvd)[0-9a-z]*"))
                .filter(p -> run0("test", "-b", p.toString())).findFirst().orElse(null);
        assumeTrue(someBlock != null, "no block device on this machine to stand in for the attached volume");
        Files.createSymbolicLink(nvme, someBlock);

        Out r = run(List.of("sh", commands.toString()), Map.of(), null);

        assertEquals(0, r.exit(), r.text());
        assertTrue(r.text().contains("BOOTMEDIC_DEVICE=" + someBlock.toRealPath()), r.text());
        assertTrue(r.text().contains("BOOTMEDIC_EXIT=0"), r.text());
        assertEquals("fix --device " + someBlock.toRealPath() + " --config /etc/bootmedic/agent.conf", Files.readString(tmp.resolve("argv")).strip());
    }

    private static boolean run0(String... cmd) {
        try {
            return run(List.of(cmd), Map.of(), null).exit() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    // --- Kubernetes: scripts/k8s ---

    private Path images() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        for (String name : List.of("a.vhdx", "b.VHD", "c.img", "d e.raw", "e.vhdx", "f.dd", "g.bin")) {
            Files.writeString(images.resolve(name), "");
        }
        Files.writeString(images.resolve("notes.txt"), "");
        return images;
    }

    private Path render(String... args) throws Exception {
        Path out = tmp.resolve("job.yaml");
        List<String> cmd = new ArrayList<>(List.of("bash", "scripts/k8s/render.sh", "-o", out.toString()));
        cmd.addAll(List.of(args));
        Out r = run(cmd, Map.of(), null);
        assertEquals(0, r.exit(), r.text());
        return out;
    }

    /** The rendered documents by kind, read by PyYAML (as a YAML 1.1 parser reads them) and handed over as JSON. */
    private Map<String, JsonNode> docs(Path manifests) throws Exception {
        Out r = run(List.of("python3", "-c", """
                import json, sys, yaml
                print(json.dumps({d["kind"]: d for d in yaml.safe_load_all(open(sys.argv[1])) if d}))
                """, manifests.toString()), Map.of(), null);
        assertEquals(0, r.exit(), r.text());
        Map<String, JsonNode> out = new java.util.HashMap<>();
        new ObjectMapper().readTree(r.text()).properties().forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private static JsonNode podSpec(Map<String, JsonNode> docs) {
        return docs.get("Job").at("/spec/template/spec");
    }

    private static JsonNode volume(Map<String, JsonNode> docs, String name) {
        for (JsonNode v : podSpec(docs).get("volumes")) {
            if (v.get("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    @Test
    void renderedJobIsAnIndexedJobWithTheChosenShardsParallelismAndRetriesPerIndex() throws Exception {
        Path job = render("--image", "registry.example/bootmedic:0.1.0", "--pvc", "vm-images", "--shards", "5", "--parallelism", "3",
                "--namespace", "recovery", "--scan", images().toString(), "--backoff", "3");
        Map<String, JsonNode> d = docs(job);
        JsonNode spec = d.get("Job").get("spec");
        assertEquals("batch/v1 Job recovery Indexed 5 3 Never registry.example/bootmedic:0.1.0 vm-images",
                String.join(" ", d.get("Job").get("apiVersion").asText(), d.get("Job").get("kind").asText(),
                        d.get("Job").at("/metadata/namespace").asText(), spec.get("completionMode").asText(), spec.get("completions").asText(),
                        spec.get("parallelism").asText(), podSpec(d).get("restartPolicy").asText(), podSpec(d).at("/containers/0/image").asText(),
                        volume(d, "images").at("/persistentVolumeClaim/claimName").asText()));
        // a replacement pod of index k starts only once the old one has stopped; retries count per index
        assertEquals("Failed", spec.get("podReplacementPolicy").asText());
        assertEquals(3, spec.get("backoffLimitPerIndex").asInt());
        assertFalse(spec.has("backoffLimit"), "one failing shard must not use up the retries of all");
        assertEquals(5, d.get("ConfigMap").get("data").size(), "one list per index");
    }

    @Test
    void renderedManifestsUseOnlyKubernetesApiFieldsAndNeedKubernetes129() throws Exception {
        Path job = render("--image", "x/bm:1", "--pvc", "imgs", "--shards", "3", "--scan", images().toString());

        KubernetesSchema.Result r = KubernetesSchema.check(job, tmp);

        assertEquals(0, r.exit(), r.text());
        assertEquals(List.of(), r.problems());
        assertEquals("1.29", r.minVersion(), r.text());
        assertEquals("1.29", r.since("Job.spec.podReplacementPolicy"));
        assertEquals("1.29", r.since("Job.spec.backoffLimitPerIndex"));
        assertTrue(Files.readString(job).contains("# Needs Kubernetes 1.29 or later"), "the manifest says which Kubernetes it needs");
    }

    @Test
    void theSchemaCheckCatchesWrongFieldsValuesAndVersions() throws Exception {
        Path job = render("--image", "x/bm:1", "--pvc", "imgs", "--scan", images().toString());
        String good = Files.readString(job);
        Path typo = Files.writeString(tmp.resolve("typo.yaml"), good.replace("podReplacementPolicy: Failed", "podReplacmentPolicy: Failed"));
        Path value = Files.writeString(tmp.resolve("value.yaml"), good.replace("podReplacementPolicy: Failed", "podReplacementPolicy: Terminating"));
        Path nonIndexed = Files.writeString(tmp.resolve("nonindexed.yaml"), good.replace("completionMode: Indexed", "completionMode: NonIndexed"));
        Path envNumber = Files.writeString(tmp.resolve("env.yaml"), good.replace("value: \"1\"", "value: 1"));
        Path medium = Files.writeString(tmp.resolve("medium.yaml"), good.replace("medium: Memory", "medium: memory"));

        // today's main: no podReplacementPolicy and no backoffLimitPerIndex, so nothing newer than 1.24 and two pods per index possible
        Path old = Files.writeString(tmp.resolve("old.yaml"), good.replace("  podReplacementPolicy: Failed\n", "")
                .replaceAll("  backoffLimitPerIndex: [0-9]+\n", "  backoffLimit: 4\n"));

        List<KubernetesSchema.Result> r = KubernetesSchema.checkAll(List.of(typo, value, nonIndexed, envNumber, medium, old), tmp);

        assertTrue(r.get(0).text().contains("Job.spec.podReplacmentPolicy: unknown field of JobSpec"), r.get(0).text());
        assertTrue(r.get(1).text().contains("'Terminating' is not one of"), r.get(1).text());
        assertTrue(r.get(2).text().contains("backoffLimitPerIndex needs completionMode Indexed"), r.get(2).text());
        assertTrue(r.get(3).text().contains("value: must be a string"), r.get(3).text());
        assertTrue(r.get(4).text().contains("'memory' is not one of"), r.get(4).text());
        assertEquals(List.of(), r.get(5).problems());
        assertEquals("1.24", r.get(5).minVersion());
    }

    @Test
    void noRecursiveOwnershipChangeAndKeysAndTempOnTmpfs() throws Exception {
        Path job = render("--image", "x/bm:1", "--pvc", "imgs", "--list", writeList("a.vhdx").toString());
        Map<String, JsonNode> d = docs(job);
        // with fsGroup the kubelet chowns/chmods every file of the volume before the pod starts
        assertFalse(podSpec(d).get("securityContext").has("fsGroup"), podSpec(d).toString());
        assertEquals("{\"secretName\":\"bootmedic-keys\",\"optional\":true,\"defaultMode\":256}", volume(d, "keys").get("secret").toString());
        assertEquals("{\"medium\":\"Memory\",\"sizeLimit\":\"256Mi\"}", volume(d, "tmp").get("emptyDir").toString());
        assertTrue(podSpec(d).at("/containers/0/securityContext/readOnlyRootFilesystem").asBoolean());
    }

    private Path writeList(String... names) throws Exception {
        return Files.writeString(tmp.resolve("list.txt"), "# images to repair\n" + String.join("\n", names) + "\n");
    }

    @Test
    void renderRefusesBadInput() throws Exception {
        Path list = writeList("a.vhdx", "b.img");
        List<List<String>> bad = List.of(
                List.of("--image", "x/bm:1", "--pvc", "imgs", "--list", list.toString(), "--shards", "2", "--parallelism", "4"),
                List.of("--image", "x/bm:1", "--pvc", "imgs; rm -rf /", "--list", list.toString()),
                List.of("--pvc", "imgs", "--list", list.toString()),
                List.of("--image", "x/bm:1", "--pvc", "imgs"),
                List.of("--image", "x/bm:1", "--pvc", "imgs", "--list", writeList("../etc/shadow.img").toString()),
                List.of("--image", "x/bm:1", "--pvc", "imgs", "--list", writeList("notes.txt").toString()),
                List.of("--image", "x/bm:1", "--pvc", "imgs", "--list", writeList(" lead.img").toString()),
                List.of("--image", "x/bm:1", "--pvc", "imgs", "--list", list.toString(), "--backoff"));
        for (List<String> args : bad) {
            List<String> cmd = new ArrayList<>(List.of("bash", "scripts/k8s/render.sh"));
            cmd.addAll(args);
            Out r = run(cmd, Map.of(), null);
            assertEquals(2, r.exit(), args + ": " + r.text());
        }
    }

    /** Runs the pod's shell once per index, with the ConfigMap's lists as files (as the kubelet mounts them). */
    private List<String> runAllPods(Path job, Path images, int shards) throws Exception {
        Path script = tmp.resolve("pod.sh");
        Path shardsDir = Files.createDirectories(tmp.resolve("shards"));
        Out extract = run(List.of("python3", "-c", """
                import os, sys, yaml
                docs = {d["kind"]: d for d in yaml.safe_load_all(open(sys.argv[1])) if d}
                open(sys.argv[2], "w").write(docs["Job"]["spec"]["template"]["spec"]["containers"][0]["args"][0])
                for k, v in docs["ConfigMap"]["data"].items():
                    open(os.path.join(sys.argv[3], k), "w").write(v.replace("/images/", sys.argv[4] + "/"))
                """, job.toString(), script.toString(), shardsDir.toString(), images.toString()), Map.of(), null);
        assertEquals(0, extract.exit(), extract.text());
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path fake = bin.resolve("bootmedic");
        Files.writeString(fake, """
                #!/bin/sh
                # stands in for bootmedic: records its arguments and the list it was given
                while [ $# -gt 0 ]; do
                  if [ "$1" = --list ]; then cat "$2" >> "$FAKE_OUT/lists"; fi
                  echo "$1" >> "$FAKE_OUT/argv.$JOB_COMPLETION_INDEX"; shift
                done
                """);
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        Path keys = Files.createDirectories(tmp.resolve("keys"));
        Files.writeString(keys.resolve("agent.conf"), "url=https://collector.invalid\n");
        Files.deleteIfExists(tmp.resolve("lists"));
        for (int i = 0; i < shards; i++) {
            Out r = run(List.of("sh", script.toString()), Map.of("JOB_COMPLETION_INDEX", Integer.toString(i), "SHARDS_DIR", shardsDir.toString(),
                    "IMAGES_DIR", images.toString(), "WORK_DIR", tmp.resolve("work").toString(), "KEYS_DIR", keys.toString(),
                    "STATE_PREFIX", "bootmedic-batch-shard-", "PARALLEL_PER_POD", "1", "FAKE_OUT", tmp.toString(),
                    "PATH", bin + File.pathSeparator + System.getenv("PATH")), null);
            assertEquals(0, r.exit(), r.text());
            assertTrue(r.text().contains("shard " + i + ": " + (i == 0 ? 3 : 2) + " image(s)"), r.text());
            List<String> argv = Files.readAllLines(tmp.resolve("argv." + i));
            assertTrue(argv.containsAll(List.of("batch", "--list", "--parallel", "--state", tmp.resolve("work/state/bootmedic-batch-shard-" + i + ".json").toString(),
                    "--config", keys.resolve("agent.conf").toString())), argv.toString());
        }
        return Files.readAllLines(tmp.resolve("lists"));
    }

    @Test
    void everyImageLandsInExactlyOneShardAndTheListIsFixedAtRenderTime() throws Exception {
        Path images = images();
        Set<String> all = new TreeSet<>();
        try (var s = Files.list(images)) {
            s.filter(p -> !p.getFileName().toString().endsWith(".txt")).forEach(p -> all.add(p.toString()));
        }
        Path job = render("--image", "x/bm:1", "--pvc", "imgs", "--shards", "3", "--scan", images.toString());
        // images that arrive after rendering (or sort in between) must not move others between shards
        Files.writeString(images.resolve("0-new.vhdx"), "");
        Files.writeString(images.resolve("b2.vhdx"), "");

        List<String> seen = runAllPods(job, images, 3);

        assertEquals(all.size(), seen.size(), "each image once: " + seen);
        assertEquals(all, new TreeSet<>(seen));
    }

    @Test
    void scanLeavesOutTheBaseImageOfQcow2Overlays() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("qimages"));
        Files.writeString(images.resolve("base.qcow2"), "");
        // a qcow2 v3 header: magic, version, backing_file_offset (8 bytes at 8), backing_file_size (4 bytes at 16)
        byte[] name = "/images/base.qcow2".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(512 + name.length);
        h.put(new byte[] {'Q', 'F', 'I', (byte) 0xfb}).putInt(3).putLong(512).putInt(name.length);
        h.position(512);
        h.put(name);
        Files.write(images.resolve("vm1.qcow2"), h.array());
        Files.writeString(images.resolve("vm2.vhdx"), "");

        Path job = render("--image", "x/bm:1", "--pvc", "imgs", "--shards", "2", "--scan", images.toString());

        assertEquals("{\"shard-0\":\"/images/vm1.qcow2\\n\",\"shard-1\":\"/images/vm2.vhdx\\n\"}", docs(job).get("ConfigMap").get("data").toString());
    }

    @Test
    void aListNamesEachImageOnceAndMoreShardsThanImagesAreCapped() throws Exception {
        Path list = Files.writeString(tmp.resolve("l.txt"), "a.vhdx\n/images/a.vhdx\n\n# c.vhdx\nb.img\r\n");
        Path job = render("--image", "x/bm:1", "--pvc", "imgs", "--shards", "8", "--list", list.toString());

        Map<String, JsonNode> d = docs(job);
        assertEquals(2, d.get("Job").at("/spec/completions").asInt());
        assertEquals("{\"shard-0\":\"/images/a.vhdx\\n\",\"shard-1\":\"/images/b.img\\n\"}", d.get("ConfigMap").get("data").toString());
    }

    @Test
    void dockerfilePinsItsBaseAndInstallsPackagesThatExistForThatBase() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("scripts/k8s/Dockerfile"));
        String from = lines.stream().filter(l -> l.startsWith("FROM ")).findFirst().orElseThrow().substring(5).strip();
        // an exact build: a dated tag or a digest, never a moving tag like bookworm-slim or latest
        assertTrue(from.matches("debian:bookworm-20[0-9]{6}-slim(@sha256:[0-9a-f]{64})?"), from);
        String install = String.join(" ", lines).replaceAll(".*apt-get install -y --no-install-recommends ([^\\\\&]*).*", "$1").strip();
        List<String> packages = List.of(install.split("\\s+"));
        assertEquals(List.of("openjdk-17-jre-headless", "libntfs-3g89"), packages);
        // the names are checked against this machine's package lists when it runs the same Debian release
        String release = Files.readString(Path.of("/etc/os-release"));
        assumeTrue(release.contains("VERSION_CODENAME=bookworm"), "not a Debian 12 machine: package names not checked");
        assumeTrue(run(List.of("apt-cache", "--no-all-versions", "show", "bash"), Map.of(), null).exit() == 0, "no apt package lists here (run apt-get update)");
        // one apt-cache run (it loads all package lists): the names it knows come back as "Package: NAME"
        List<String> asked = new ArrayList<>(packages);
        asked.add("libntfs-3g89t64");
        List<String> cmd = new ArrayList<>(List.of("apt-cache", "--no-all-versions", "show"));
        cmd.addAll(asked);
        Set<String> known = new TreeSet<>(run(cmd, Map.of(), null).text().lines()
                .filter(l -> l.startsWith("Package: ")).map(l -> l.substring(9).strip()).toList());
        assertTrue(known.containsAll(packages), "packages of Debian 12: " + known + ", wanted " + packages);
        assertFalse(known.contains("libntfs-3g89t64"), "libntfs-3g89t64 is the Debian 13 / Ubuntu 24.04 name and must not exist in Debian 12's lists");
        Out files = run(List.of("dpkg", "-L", "libntfs-3g89"), Map.of(), null);
        assumeTrue(files.exit() == 0, "libntfs-3g89 not installed here: the library name is not checked");
        // bootmedic loads libntfs-3g.so.89 through JNA (io.bootmedic.ntfs.LibNtfs3g)
        assertTrue(files.text().contains("/libntfs-3g.so.89\n"), files.text());
    }
}
