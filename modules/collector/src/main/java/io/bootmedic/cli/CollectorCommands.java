package io.bootmedic.cli;

import java.util.Map;
import java.util.function.Supplier;

/** Adds the {@code collector} command to the whole CLI (target/bootmedic.jar); the agent jar does not carry it. */
public final class CollectorCommands implements CommandProvider {
    @Override
    public Map<String, Supplier<Object>> commands() {
        return Map.of("collector", CollectorCommand::new);
    }
}
