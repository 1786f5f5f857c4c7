package io.bootmedic.cli;

import java.util.Map;
import java.util.function.Supplier;

/** Adds the {@code cloud} command to the whole CLI (target/bootmedic.jar); the agent jar does not carry it. */
public final class CloudCommands implements CommandProvider {
    @Override
    public Map<String, Supplier<Object>> commands() {
        return Map.of("cloud", () -> {
            picocli.CommandLine cloud = new picocli.CommandLine(new CloudCommand());
            RouteCommands.routes().forEach(r -> cloud.addSubcommand(r.name(), RouteCommands.build(r)));
            return cloud;
        });
    }
}
