package io.bootmedic.cli;

import io.bootmedic.practice.PracticeTree;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "practice-tree", description = "Create a practice copy of a bootlooped Windows drive in DIR, to rehearse scan/fix/undo safely.")
class PracticeTreeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "An empty or new folder.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new UsageError(dir + " is not empty; give a new folder");
                }
            }
        }
        PracticeTree.create(dir);
        spec.commandLine().getOut().println("practice tree created in " + dir + "; try: bootmedic scan --root " + dir);
        return 0;
    }
}
