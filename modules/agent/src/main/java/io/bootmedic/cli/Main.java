package io.bootmedic.cli;

import io.bootmedic.format.ErrorWords;
import io.bootmedic.format.Printable;
import io.bootmedic.util.AgentVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

@Command(name = "bootmedic", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, versionProvider = Main.Version.class,
        description = {"Repairs Windows machines that a faulty driver or content update left crashing at boot.",
                "",
                "Typical use:",
                "  bootmedic scan --root /mnt/c          look, change nothing",
                "  bootmedic fix  --root /mnt/c          quarantine the faulty file, write a report",
                "  bootmedic undo --root /mnt/c          put it back",
                ""},
        commandListHeading = "%nCommands:%n")
public class Main {
    /**
     * Subcommands by name. Only the one being run is built: picocli reads every annotation of a
     * command when it is added, and agent runs are short enough for that to show.
     */
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("scan", ScanCommand::new);
        COMMANDS.put("fix", FixCommand::new);
        COMMANDS.put("undo", UndoCommand::new);
        COMMANDS.put("playbook", PlaybookCommand::new);
        COMMANDS.put("batch", BatchCommand::new);
        COMMANDS.put("bitlocker", BitLockerCommand::new);
        COMMANDS.put("keys", KeysCommand::new);
        COMMANDS.put("report", ReportCommand::new);
        COMMANDS.put("readiness", ReadinessCommand::new);
        COMMANDS.put("rescue", RescueCommand::new);
        // server-side commands (collector) come from the modules that hold them: the agent jar has none
        for (CommandProvider provider : CommandProviders.load()) {
            provider.commands().forEach((name, command) -> {
                if (COMMANDS.putIfAbsent(name, command) != null) {
                    throw new IllegalStateException("two commands named '" + name + "': " + provider.getClass().getName()
                            + " repeats a built-in one; this is a build defect, report it");
                }
            });
        }
        COMMANDS.put("practice-tree", PracticeTreeCommand::new);
        COMMANDS.put("help", CommandLine.HelpCommand::new);
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line with the given streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        String first = args.length > 0 ? args[0] : "";
        if (COMMANDS.containsKey(first) && !first.equals("help")) {
            cl.addSubcommand(first, COMMANDS.get(first).get());
        } else if (!(args.length == 1 && (first.equals("--version") || first.equals("-V")))) {
            // every command only where the answer lists them (help, a mistyped command); the version needs none
            COMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter says = commandLine.getErr();
            if (e instanceof UsageError) {
                says.println(line(e));
                says.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help'.");
                return ExitCodes.USAGE;
            }
            if (e instanceof java.io.UncheckedIOException u && u.getCause() instanceof io.bootmedic.format.FormatException f) {
                e = f;
            }
            if (e instanceof io.bootmedic.format.FormatException) {
                // a refused input: its message names the file and what to do, and nothing was written
                says.println(line(e));
                if (System.getenv("BOOTMEDIC_DEBUG") != null) {
                    e.printStackTrace(says);
                }
                return ExitCodes.USAGE;
            }
            // a clear sentence, not a stack trace: the person reading this is fixing machines, not debugging
            says.println(line(e));
            String command = parseResult.subcommand() == null ? "" : parseResult.subcommand().commandSpec().name();
            if (java.util.Set.of("fix", "undo", "batch").contains(command)) {
                // whether anything moved is not known here (the report, when there is one, says): claim only what is always true
                says.println("Nothing was deleted; running the same command again resumes safely.");
            }
            if (System.getenv("BOOTMEDIC_DEBUG") != null) {
                e.printStackTrace(says);
            }
            return ExitCodes.NEEDS_WORK;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError | StackOverflowError e) {
            return fatal(e, err);
        }
    }

    /** An input that outgrew every bound still ends in a sentence, never a JVM stack trace. */
    static int fatal(Error e, PrintWriter err) {
        err.println(e instanceof OutOfMemoryError
                ? "bootmedic: ran out of memory (the Java heap is full); nothing more was written. Run again with more memory"
                        + " (JAVA_TOOL_OPTIONS=-Xmx2g) and, if it happens again, report the input that caused it"
                : "bootmedic: an input nested too deeply to follow; nothing more was written");
        err.flush();
        return ExitCodes.NEEDS_WORK;
    }

    /**
     * The one place an exception becomes a "bootmedic: ..." line. The whole message goes through
     * {@link Printable}: a name from an image or a file that deeper code quoted unfiltered still
     * cannot clear the screen, return the cursor or start a line of its own. No message of
     * bootmedic spans lines on purpose, so a line break is filtered like any control character.
     * A JDK exception that reached here unexplained is put in words, never its class name.
     */
    static String line(Throwable e) {
        return "bootmedic: " + Printable.of(ErrorWords.message(e).strip(), MAX_MESSAGE);
    }

    /** Longer than any sentence bootmedic writes; a flood of text from a file stops here. */
    static final int MAX_MESSAGE = 2000;

    static class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"bootmedic " + AgentVersion.get()};
        }
    }
}
