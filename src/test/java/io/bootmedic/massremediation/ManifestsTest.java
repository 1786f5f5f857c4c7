package io.bootmedic.massremediation;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    private Path render(String... args) throws Exception {
        Path out = tmp.resolve("job.yaml");
        List<String> cmd = new ArrayList<>(List.of("bash", "scripts/k8s/render.sh", "-o", out.toString()));
        cmd.addAll(List.of(args));
        Out r = run(cmd, Map.of(), null);
        assertEquals(0, r.exit(), r.text());
        return out;
    }

    @Test
    void renderedJobIsAnIndexedJobWithTheChosenShardsAndParallelism() throws Exception {
        Path job = render("--image", "registry.example/bootmedic:0.1.0", "--pvc", "vm-images", "--shards", "5", "--parallelism", "3",
                "--namespace", "recovery");
        Out r = run(List.of("python3", "-c", """
                import sys, yaml
                d = yaml.safe_load(open(sys.argv[1]))
                s = d["spec"]; pod = s["template"]["spec"]; c = pod["containers"][0]
                env = {e["name"]: e["value"] for e in c["env"]}
                print(d["apiVersion"], d["kind"], d["metadata"]["namespace"], s["completionMode"], s["completions"], s["parallelism"],
                      pod["restartPolicy"], c["image"], env["SHARDS"], pod["volumes"][0]["persistentVolumeClaim"]["claimName"])
                """, job.toString()), Map.of(), null);
        assertEquals(0, r.exit(), r.text());
        assertEquals("batch/v1 Job recovery Indexed 5 3 Never registry.example/bootmedic:0.1.0 5 vm-images", r.text().strip());
    }

    @Test
    void renderRefusesBadInput() throws Exception {
        Out r = run(List.of("bash", "scripts/k8s/render.sh", "--image", "x/bm:1", "--pvc", "imgs", "--shards", "2", "--parallelism", "4"), Map.of(), null);
        assertEquals(2, r.exit(), r.text());
        r = run(List.of("bash", "scripts/k8s/render.sh", "--image", "x/bm:1", "--pvc", "imgs; rm -rf /"), Map.of(), null);
        assertEquals(2, r.exit(), r.text());
        r = run(List.of("bash", "scripts/k8s/render.sh", "--pvc", "imgs"), Map.of(), null);
        assertEquals(2, r.exit(), r.text());
    }

    @Test
    void everyImageLandsInExactlyOneShard() throws Exception {
        int shards = 3;
        Path job = render("--image", "x/bm:1", "--pvc", "imgs", "--shards", Integer.toString(shards));
        Path script = tmp.resolve("pod.sh");
        Out extract = run(List.of("python3", "-c", """
                import sys, yaml
                d = yaml.safe_load(open(sys.argv[1]))
                open(sys.argv[2], "w").write(d["spec"]["template"]["spec"]["containers"][0]["args"][0])
                """, job.toString(), script.toString()), Map.of(), null);
        assertEquals(0, extract.exit(), extract.text());

        Path images = Files.createDirectories(tmp.resolve("images"));
        Set<String> all = new TreeSet<>();
        for (String name : List.of("a.vhdx", "b.VHD", "c.img", "d.raw", "e.vhdx", "f.dd", "g.bin")) {
            Files.writeString(images.resolve(name), "");
            all.add(images.resolve(name).toString());
        }
        Files.writeString(images.resolve("notes.txt"), "");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path fake = bin.resolve("bootmedic");
        Files.writeString(fake, """
                #!/bin/sh
                # records its arguments and the list it was given
                while [ $# -gt 0 ]; do
                  if [ "$1" = --list ]; then cat "$2" >> "$FAKE_OUT/lists"; fi
                  echo "$1" >> "$FAKE_OUT/argv.$JOB_COMPLETION_INDEX"; shift
                done
                """);
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        Path keys = Files.createDirectories(tmp.resolve("keys"));
        Files.writeString(keys.resolve("agent.conf"), "url=https://collector.invalid\n");

        List<String> seen = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            Out r = run(List.of("sh", script.toString()), Map.of("JOB_COMPLETION_INDEX", Integer.toString(i), "SHARDS", Integer.toString(shards),
                    "IMAGES_DIR", images.toString(), "WORK_DIR", tmp.resolve("work").toString(), "KEYS_DIR", keys.toString(),
                    "PARALLEL_PER_POD", "1", "FAKE_OUT", tmp.toString(), "PATH", bin + File.pathSeparator + System.getenv("PATH")), null);
            assertEquals(0, r.exit(), r.text());
            assertTrue(r.text().contains("shard " + i + " of 3: " + (i == 0 ? 3 : 2) + " image(s)"), r.text());
            List<String> argv = Files.readAllLines(tmp.resolve("argv." + i));
            assertTrue(argv.containsAll(List.of("batch", "--list", "--parallel", "--state", tmp.resolve("work/state/shard-" + i + ".json").toString(),
                    "--config", keys.resolve("agent.conf").toString())), argv.toString());
        }
        seen.addAll(Files.readAllLines(tmp.resolve("lists")));
        assertEquals(all.size(), seen.size(), "each image once: " + seen);
        assertEquals(all, new HashSet<>(seen).stream().collect(java.util.stream.Collectors.toCollection(TreeSet::new)));
    }
}
