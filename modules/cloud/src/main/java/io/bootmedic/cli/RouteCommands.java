package io.bootmedic.cli;

import io.bootmedic.cloud.engine.Clock;
import io.bootmedic.cloud.engine.Engine;
import io.bootmedic.cloud.engine.EngineConfig;
import io.bootmedic.cloud.engine.FileJournalStore;
import io.bootmedic.cloud.engine.JournalException;
import io.bootmedic.cloud.engine.JournalStore;
import io.bootmedic.cloud.engine.Naming;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.route.Connection;
import io.bootmedic.cloud.route.Route;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code bootmedic cloud <route> plan|run|resume|rollback|status}: the same five commands for every route, built from
 * the routes on the class path. A route adds only its options (a mixin on each command) and its connection.
 */
final class RouteCommands {
    private RouteCommands() {
    }

    static List<Route> routes() {
        return ServiceLoader.load(Route.class, RouteCommands.class.getClassLoader()).stream().map(ServiceLoader.Provider::get)
                .sorted(java.util.Comparator.comparing(Route::name)).toList();
    }

    /** The route's command with its five sub-commands, each carrying a fresh copy of the route's options. */
    static CommandLine build(Route route) {
        CommandLine top = new CommandLine(CommandSpec.create().name(route.name()));
        top.getCommandSpec().usageMessage().description(route.summary(), "Journal, progress and exit codes: docs/mass-remediation.md, \"The engine\".");
        top.getCommandSpec().mixinStandardHelpOptions(true);
        for (Action a : List.of(new Plan(), new Run(), new Resume(), new Rollback(), new Status())) {
            a.route = route;
            CommandLine sub = new CommandLine(a);
            if (!(a instanceof Status)) {
                Object options = route.newOptions();
                a.options = options;
                sub.getCommandSpec().addMixin("route", CommandSpec.forAnnotatedObject(options));
            }
            top.addSubcommand(sub.getCommandSpec().name(), sub);
        }
        return top;
    }

    abstract static class Action implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        Route route;
        Object options;

        @Option(names = "--journal", paramLabel = "FILE", description = "The run's journal (JSON lines, each transition fsync'd before it is taken);"
                + " default ./bootmedic-<route>.journal.")
        Path journal;

        Path journal() {
            return journal != null ? journal : Path.of("bootmedic-" + route.name() + ".journal");
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        @Override
        public Integer call() throws Exception {
            try {
                return act();
            } catch (JournalException e) {
                spec.commandLine().getErr().println("bootmedic: " + e.getMessage());
                return ExitCodes.USAGE;
            } catch (IllegalArgumentException e) {
                throw new UsageError(route.name() + ": " + e.getMessage());
            } catch (io.bootmedic.cloud.provider.CloudLoginException e) {
                spec.commandLine().getErr().println("bootmedic: " + route.name() + ": not logged in: " + e.getMessage()
                        + ". Log in (docs/routes/" + route.name() + ".md, \"Credentials\") and run the same command again; nothing was changed by this call.");
                return 3;
            } catch (CloudException e) {
                spec.commandLine().getErr().println("bootmedic: " + route.name() + " refused a call (" + e.kind().name().toLowerCase(Locale.ROOT)
                        + "): " + e.getMessage() + (e.kind() == CloudException.Kind.FATAL
                                ? ". Check the credentials, the region or project, and the permissions docs/routes/" + route.name() + ".md lists."
                                : ". The journal holds what was done; run resume when the cloud answers again."));
                return ExitCodes.NEEDS_WORK;
            }
        }

        abstract int act() throws Exception;
    }

    /** The engine's patience, for every command that talks to the cloud. */
    abstract static class Driving extends Action {
        @Option(names = "--concurrency", defaultValue = "8", paramLabel = "N",
                description = "VMs stopped or with a copy out at once (default ${DEFAULT-VALUE}); each worker device takes one copy at a time.")
        int concurrency;

        @Option(names = "--parallel-calls", defaultValue = "16", paramLabel = "N",
                description = "Cloud calls in flight at once, each for another VM (default ${DEFAULT-VALUE}); throttling slows them all.")
        int lanes;

        @Option(names = "--poll-seconds", defaultValue = "15", hidden = true)
        long pollSeconds;

        @Option(names = "--grace-seconds", defaultValue = "300", hidden = true,
                description = "How long a stale read is tolerated before an attach or detach counts as failed.")
        long graceSeconds;

        @Option(names = "--settle-seconds", defaultValue = "60", hidden = true)
        long settleSeconds;

        @Option(names = "--fix-timeout-minutes", defaultValue = "60", paramLabel = "M",
                description = "The fix on the worker is cancelled after this (default ${DEFAULT-VALUE}); the copy is released before it is detached.")
        long fixMinutes;

        EngineConfig config(Connection c) {
            if (lanes < 1 || lanes > 256) {
                throw new IllegalArgumentException("--parallel-calls is from 1 to 256");
            }
            if (concurrency < 1 || pollSeconds < 0 || graceSeconds < 0 || settleSeconds < 0 || fixMinutes < 1) {
                throw new IllegalArgumentException("--concurrency and --fix-timeout-minutes must be at least 1, the others at least 0");
            }
            long poll = Math.max(1, pollSeconds * 1000);
            return new EngineConfig(c.workers(), concurrency, poll, graceSeconds * 1000, settleSeconds * 1000, 3 * 3_600_000L, fixMinutes * 60_000,
                    4 * 3_600_000L, 12, 40, 3, Math.min(1_000, poll), 120_000, lanes);
        }

        JournalStore store(Path path) {
            return new ProgressStore(new FileJournalStore(path), out());
        }

        /** Resume and rollback go on only against the target the run was made against. */
        void sameTarget(Connection c) {
            String was = Engine.target(new FileJournalStore(journal()));
            if (was != null && !was.equals(c.target())) {
                throw new JournalException("journal " + journal() + " is a run against " + was + ", not " + c.target()
                        + ": give the same options as the run (region, project, subscription, URI)");
            }
        }

        @Option(names = "--report", paramLabel = "FILE", description = "Also write the run's outcome as JSON (every VM's step, reason and resources).")
        Path report;

        int finish(RunReport r) throws java.io.IOException {
            if (report != null) {
                java.nio.file.Files.writeString(report, RunReportJson.of(route.name(), r) + "\n", java.nio.charset.StandardCharsets.UTF_8);
            }
            CloudCommand.Sim.print(out(), r);
            out().println(r.exitCode() == 0 ? "Every VM is repaired, clean or skipped (skipped ones: see the reason)."
                    : "Some VMs are not repaired: 'bootmedic cloud " + route.name() + " resume --journal " + journal() + "' continues them, "
                            + "'rollback' puts them back on their originals.");
            return r.exitCode();
        }
    }

    @Command(name = "plan", description = "List the VMs in scope and what a run would do with each, changing nothing (reads only).")
    static final class Plan extends Driving {
        @Override
        int act() throws Exception {
            try (Connection c = route.connect(options)) {
                List<Engine.PlanLine> lines = Engine.plan(c.provider(), Clock.SYSTEM, config(c), newRunId());
                out().println(route.name() + " plan against " + c.target() + ": " + lines.size() + " VM(s)");
                for (Engine.PlanLine l : lines) {
                    out().printf("  %-22s %-20s %s: %s%n", l.vm().uid(), l.vm().name(), l.wouldRepair() ? "REPAIR" : "LEAVE", l.why());
                }
                out().println("Nothing was changed. Run the same with 'run' to do it.");
                return 0;
            }
        }
    }

    @Command(name = "run", description = "Discover the VMs, record them in a new journal, and take each as far as it goes.")
    static final class Run extends Driving {
        @Override
        int act() throws Exception {
            if (journal().toFile().exists()) {
                throw new JournalException("journal " + journal() + " exists: resume it, roll it back, or choose another --journal");
            }
            try (Connection c = route.connect(options)) {
                String runId = newRunId();
                out().println(route.name() + " run " + runId + " against " + c.target() + "; journal " + journal());
                return finish(Engine.run(c.provider(), store(journal()), Clock.SYSTEM, config(c), runId, c.target()));
            }
        }
    }

    @Command(name = "resume", description = "Continue every unfinished VM of the journal from its recorded step (failed ones roll back).")
    static final class Resume extends Driving {
        @Override
        int act() throws Exception {
            try (Connection c = route.connect(options)) {
                sameTarget(c);
                return finish(Engine.resume(c.provider(), store(journal()), Clock.SYSTEM, config(c)));
            }
        }
    }

    @Command(name = "rollback", description = "Put VMs of the run back on their original disks and running as they were, from any recorded step.")
    static final class Rollback extends Driving {
        @Option(names = "--only", paramLabel = "UID", description = "Only this VM (its unique ID, as status shows it); repeatable. Default: all.")
        Set<String> only = Set.of();

        @Override
        int act() throws Exception {
            try (Connection c = route.connect(options)) {
                sameTarget(c);
                return finish(Engine.rollback(c.provider(), store(journal()), Clock.SYSTEM, config(c), only));
            }
        }
    }

    @Command(name = "status", description = "Each VM's recorded step, from the journal alone: no cloud call, nothing changed.")
    static final class Status extends Action {
        @Override
        int act() {
            RunReport r = Engine.status(new FileJournalStore(journal()));
            CloudCommand.Sim.print(out(), r);
            return r.exitCode();
        }
    }

    static String newRunId() {
        SecureRandom rnd = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        for (int i = 0; i < 8; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        if (!Naming.validRunId(sb.toString())) {
            throw new IllegalStateException("run ID " + sb);
        }
        return sb.toString();
    }
}
