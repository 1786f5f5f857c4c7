package io.bootmedic.cli;

import picocli.CommandLine.Command;

@Command(name = "scan", sortOptions = false,
        description = {"Look, change nothing: which Windows volumes there are and what the playbook would do on each.",
                "Exit 0 nothing to fix, 1 work found, 2 usage error or refused input, 3 a volume is locked, 4 no Windows found."})
class ScanCommand extends RunCommandBase {
    @Override
    String command() {
        return "scan";
    }

    @Override
    boolean dryRun() {
        return true;
    }
}
