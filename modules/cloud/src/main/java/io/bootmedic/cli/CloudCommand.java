package io.bootmedic.cli;

import io.bootmedic.cloud.engine.Engine;
import io.bootmedic.cloud.engine.FileJournalStore;
import io.bootmedic.cloud.engine.JournalException;
import io.bootmedic.cloud.engine.JournalStore;
import io.bootmedic.cloud.engine.MemoryJournalStore;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.VmRecord;
import io.bootmedic.cloud.sim.Faults;
import io.bootmedic.cloud.sim.Fleet;
import io.bootmedic.cloud.sim.Killed;
import io.bootmedic.cloud.sim.Killer;
import io.bootmedic.cloud.sim.Scenario;
import io.bootmedic.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "cloud", description = {"Mass remediation of cloud VMs as one engine (docs/mass-remediation.md, \"The engine\").",
        "Routes: each is 'bootmedic cloud ROUTE plan|run|resume|rollback|status'; 'sim' drives the simulated cloud."},
        subcommands = {CloudCommand.Sim.class})
class CloudCommand {

    @Command(name = "sim", description = {"The engine against the deterministic simulated cloud: a seed draws the VMs, the faults and the timings.",
            "A run killed with --kill-at K stops as if the orchestrator died at its K-th write; resume and rollback rebuild the",
            "simulated cloud by replaying the sessions recorded next to the journal (JOURNAL.sim), then continue from the journal."},
            subcommands = {Sim.Run.class, Sim.Resume.class, Sim.Rollback.class, Sim.Status.class, Sim.FleetRun.class})
    static class Sim {

        abstract static class Session implements Callable<Integer> {
            @Spec
            CommandSpec spec;

            @Option(names = "--journal", required = true, paramLabel = "FILE", description = "The run's journal (JSON lines, fsync'd per transition).")
            Path journal;

            @Option(names = "--kill-at", paramLabel = "K", description = "Kill the orchestrator at its K-th write (journal or cloud); 0: never.")
            long killAt;

            abstract String name();

            /** The session's command against the rebuilt cloud; {@code only} for rollback. */
            abstract RunReport session(Scenario s, io.bootmedic.cloud.provider.CloudProvider cloud, JournalStore store);

            abstract Scenario scenario(Path sidecar) throws IOException;

            @Override
            public Integer call() throws IOException {
                PrintWriter out = spec.commandLine().getOut();
                PrintWriter err = spec.commandLine().getErr();
                Path sidecar = Path.of(journal + ".sim");
                Scenario s;
                try {
                    s = scenario(sidecar);
                    replay(s, sidecar);
                } catch (JournalException e) {
                    err.println("bootmedic: " + e.getMessage());
                    return ExitCodes.USAGE;
                }
                List<Map<String, Object>> sessions = sessions(sidecar);
                long sessionSeed = s.seed() * 1_000_003 + sessions.size();
                Files.writeString(sidecar, Json.line(Map.of("command", name(), "killAt", killAt)) + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                Killer killer = new Killer(killAt, sessionSeed);
                RunReport report;
                try {
                    report = session(s, killer.provider(s.cloud()), killer.store(new FileJournalStore(journal)));
                } catch (Killed e) {
                    out.println("orchestrator " + e.getMessage() + " (write " + killer.effects() + "); the journal " + journal + " holds what was recorded.");
                    out.println("Continue: bootmedic cloud sim resume --journal " + journal + "   or undo: bootmedic cloud sim rollback --journal " + journal);
                    return ExitCodes.NEEDS_WORK;
                } catch (JournalException e) {
                    err.println("bootmedic: " + e.getMessage());
                    return ExitCodes.USAGE;
                }
                print(out, report);
                List<String> problems = s.cloud().verify(report);
                if (!report.allTerminal()) {
                    problems.removeIf(p -> p.contains("not a final step") || p.contains("still on"));
                }
                if (problems.isEmpty()) {
                    out.println("invariants: every one held (checked by the simulated cloud: " + s.cloud().calls() + " API calls)");
                } else {
                    problems.forEach(p -> out.println("INVARIANT BROKEN: " + p));
                    return 4;
                }
                return report.exitCode();
            }

            /** Rebuilds the simulated cloud by running the recorded sessions again in memory; their journal must be this one, byte for byte. */
            private void replay(Scenario s, Path sidecar) throws IOException {
                List<Map<String, Object>> sessions = sessions(sidecar);
                MemoryJournalStore memory = new MemoryJournalStore();
                for (int i = 0; i < sessions.size(); i++) {
                    Map<String, Object> m = sessions.get(i);
                    Killer killer = new Killer(Json.number(m, "killAt", 0), s.seed() * 1_000_003 + i);
                    String command = Json.string(m, "command");
                    try {
                        switch (String.valueOf(command)) {
                            case "run" -> Engine.run(killer.provider(s.cloud()), killer.store(memory), s.clock(), s.config(), s.runId());
                            case "resume" -> Engine.resume(killer.provider(s.cloud()), killer.store(memory), s.clock(), s.config());
                            case "rollback" -> Engine.rollback(killer.provider(s.cloud()), killer.store(memory), s.clock(), s.config(), Set.of());
                            default -> throw new JournalException(sidecar + " line " + (i + 2) + ": unknown command " + command);
                        }
                    } catch (Killed e) {
                        // as it happened the first time
                    }
                }
                byte[] file = Files.exists(journal) ? Files.readAllBytes(journal) : new byte[0];
                if (!Arrays.equals(file, memory.readAll())) {
                    throw new JournalException("journal " + journal + " is not what the sessions in " + sidecar
                            + " wrote: the simulated cloud cannot be rebuilt for it (changed by hand, or another seed)");
                }
            }
        }

        static List<Map<String, Object>> sessions(Path sidecar) {
            List<Map<String, Object>> out = new ArrayList<>();
            if (!Files.exists(sidecar)) {
                return out;
            }
            try {
                List<String> lines = Files.readAllLines(sidecar, StandardCharsets.UTF_8);
                for (int i = 1; i < lines.size(); i++) {
                    out.add(Json.readObject(lines.get(i).getBytes(StandardCharsets.UTF_8)));
                }
            } catch (IOException e) {
                throw new JournalException(sidecar + ": " + e.getMessage());
            }
            return out;
        }

        static Scenario fromSidecar(Path sidecar) {
            try {
                if (!Files.exists(sidecar)) {
                    throw new JournalException(sidecar + " is missing: start with bootmedic cloud sim run");
                }
                Map<String, Object> head = Json.readObject(Files.readAllLines(sidecar, StandardCharsets.UTF_8).get(0).getBytes(StandardCharsets.UTF_8));
                return scenario(Json.number(head, "seed", 1), (int) Json.number(head, "vms", 0), Json.bool(head, "calm"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Scenario scenario(long seed, int vms, boolean calm) {
            return vms > 0 ? Scenario.of(seed, vms, calm ? Faults.none() : null) : Scenario.of(seed);
        }

        @Command(name = "run", description = "Discover the simulated VMs, record them, and take each as far as it goes.")
        static class Run extends Session {
            @Option(names = "--vms", paramLabel = "N", description = "How many VMs (of every kind); default: drawn from the seed (2 to 10).")
            int vms;

            @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "The world and its faults (default ${DEFAULT-VALUE}).")
            long seed;

            @Option(names = "--calm", description = "No faults but the API's rate limits.")
            boolean calm;

            @Override
            String name() {
                return "run";
            }

            @Override
            Scenario scenario(Path sidecar) throws IOException {
                if (Files.exists(journal) || Files.exists(sidecar)) {
                    throw new JournalException("journal " + journal + " (or " + sidecar + ") exists: resume, roll back, or choose another file");
                }
                Map<String, Object> head = new LinkedHashMap<>();
                head.put("seed", seed);
                head.put("vms", vms);
                head.put("calm", calm);
                Files.writeString(sidecar, Json.line(head) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
                return Sim.scenario(seed, vms, calm);
            }

            @Override
            RunReport session(Scenario s, io.bootmedic.cloud.provider.CloudProvider cloud, JournalStore store) {
                return Engine.run(cloud, store, s.clock(), s.config(), s.runId());
            }
        }

        @Command(name = "resume", description = "Continue every unfinished VM from its recorded step.")
        static class Resume extends Session {
            @Override
            String name() {
                return "resume";
            }

            @Override
            Scenario scenario(Path sidecar) {
                return fromSidecar(sidecar);
            }

            @Override
            RunReport session(Scenario s, io.bootmedic.cloud.provider.CloudProvider cloud, JournalStore store) {
                return Engine.resume(cloud, store, s.clock(), s.config());
            }
        }

        @Command(name = "rollback", description = "Put every VM of the run back on its original disk, from whatever step it is in.")
        static class Rollback extends Session {
            @Override
            String name() {
                return "rollback";
            }

            @Override
            Scenario scenario(Path sidecar) {
                return fromSidecar(sidecar);
            }

            @Override
            RunReport session(Scenario s, io.bootmedic.cloud.provider.CloudProvider cloud, JournalStore store) {
                return Engine.rollback(cloud, store, s.clock(), s.config(), Set.of());
            }
        }

        @Command(name = "status", description = "Each VM's recorded step, from the journal alone (changes nothing).")
        static class Status implements Callable<Integer> {
            @Spec
            CommandSpec spec;

            @Option(names = "--journal", required = true, paramLabel = "FILE")
            Path journal;

            @Override
            public Integer call() {
                try {
                    RunReport r = Engine.status(new FileJournalStore(journal));
                    print(spec.commandLine().getOut(), r);
                    return r.exitCode();
                } catch (JournalException e) {
                    spec.commandLine().getErr().println("bootmedic: " + e.getMessage());
                    return ExitCodes.USAGE;
                }
            }
        }

        @Command(name = "fleet", description = {"The fleet-performance model: the engine against one cloud's documented latencies and API rate limits",
                "(docs/mass-remediation.md, \"The engine\"), no faults but throttling; prints when 95 % of the VMs were repaired."})
        static class FleetRun implements Callable<Integer> {
            @Spec
            CommandSpec spec;

            @Parameters(paramLabel = "CLOUD", description = "aws, azure or gcp")
            String cloud;

            @Option(names = "--vms", defaultValue = "10000")
            int vms;

            @Option(names = "--workers", defaultValue = "50")
            int workers;

            @Option(names = "--devices", defaultValue = "8", description = "Copies each worker takes at once (default ${DEFAULT-VALUE}).")
            int devices;

            @Option(names = "--region-limit", description = "VMs past their checks at once (default: workers x devices).")
            int regionLimit;

            @Option(names = "--seed", defaultValue = "1")
            long seed;

            @Override
            public Integer call() {
                Fleet.Result r;
                try {
                    r = Fleet.run(Fleet.profile(cloud), vms, workers, devices, regionLimit > 0 ? regionLimit : workers * devices, seed);
                } catch (IllegalArgumentException e) {
                    throw new UsageError(e.getMessage());
                }
                spec.commandLine().getOut().println(r.line());
                r.problems().stream().limit(10).forEach(p -> spec.commandLine().getOut().println("PROBLEM: " + p));
                return r.problems().isEmpty() ? 0 : 4;
            }
        }

        static void print(PrintWriter out, RunReport r) {
            out.printf("run %s: %s%n", r.runId(), r.counts());
            for (VmRecord v : r.vms()) {
                out.printf("  %-20s %-6s %-13s %s%n", v.uid(), v.name(), v.step(), v.reason() == null ? "" : v.reason());
            }
            r.stuck().forEach((uid, why) -> out.printf("  %-20s stuck: %s (run rollback again)%n", uid, why));
        }
    }
}
