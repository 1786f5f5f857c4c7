package io.bootmedic.cli;

import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** The {@link CommandProvider}s on the class path, in a fixed order so help lists commands the same way each run. */
final class CommandProviders {
    private CommandProviders() {
    }

    static List<CommandProvider> load() {
        return ServiceLoader.load(CommandProvider.class, Main.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get)
                .sorted(Comparator.comparing(p -> p.getClass().getName()))
                .toList();
    }
}
