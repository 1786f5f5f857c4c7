package io.bootmedic.cli;

import java.util.Map;
import java.util.function.Supplier;

/**
 * Commands another module adds to the command line, found with {@link java.util.ServiceLoader}
 * (META-INF/services/io.bootmedic.cli.CommandProvider). The collector module adds
 * {@code collector} this way, so the agent's Main never names a server class and the agent jar
 * can leave the server out.
 */
public interface CommandProvider {
    /** Commands by name, each built only when it is run or listed (as Main does for its own). */
    Map<String, Supplier<Object>> commands();
}
