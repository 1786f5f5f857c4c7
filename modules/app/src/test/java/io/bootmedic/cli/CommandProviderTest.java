package io.bootmedic.cli;

import io.bootmedic.testutil.Cli;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole CLI gets the collector's and the cloud engine's commands through the service files of their modules
 * (the agent's Main names neither); scripts/check/agent-size.sh checks that the agent
 * jar, which lacks that module, lists no collector command.
 */
class CommandProviderTest {
    @Test
    void theCollectorAndCloudModulesProvideTheirCommands() {
        List<CommandProvider> providers = CommandProviders.load();
        assertEquals(2, providers.size(), "providers on the class path: " + providers);
        // sorted by class name: CloudCommands, then CollectorCommands
        assertTrue(providers.get(0) instanceof CloudCommands, providers.get(0).getClass().getName());
        assertEquals(List.of("cloud"), List.copyOf(providers.get(0).commands().keySet()));
        assertTrue(providers.get(1) instanceof CollectorCommands, providers.get(1).getClass().getName());
        assertEquals(List.of("collector"), List.copyOf(providers.get(1).commands().keySet()));
    }

    @Test
    void helpListsTheProvidedCommandWhereItAlwaysWas() {
        Cli help = Cli.run("--help");
        assertEquals(0, help.exit, help.toString());
        int report = help.out.indexOf("\n  report");
        int collector = help.out.indexOf("\n  collector");
        int practice = help.out.indexOf("\n  practice-tree");
        assertTrue(report > 0 && report < collector && collector < practice, "report, collector, practice-tree in that order:\n" + help.out);
    }

    @Test
    void theProvidedCommandRuns() {
        Cli collector = Cli.run("collector", "--help");
        assertEquals(0, collector.exit, collector.toString());
        assertTrue(collector.out.contains("serve"), collector.out);
    }
}
