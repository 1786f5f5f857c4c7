package io.bootmedic.cloud.kvm;

import io.bootmedic.cloud.engine.EngineConfig;
import io.bootmedic.cloud.route.Connection;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The route as the generic commands use it: options parsed by picocli, connected through the Route SPI; short engine patience. */
final class RouteHarness {
    private RouteHarness() {
    }

    static KvmOptions options(String uri, Path state, String... flags) {
        KvmOptions o = new KvmOptions();
        List<String> args = new ArrayList<>(List.of(flags));
        args.addAll(List.of("--connect", uri, "--state-dir", state.toString()));
        new CommandLine(o).parseArgs(args.toArray(String[]::new));
        return o;
    }

    static Connection connect(String uri, Path state, String... flags) {
        return new KvmRoute().connect(options(uri, state, flags));
    }

    static KvmSettings settings(String uri, Path state, String... flags) {
        return KvmRoute.settings(options(uri, state, flags), Map.of());
    }

    static EngineConfig config(Connection c) {
        return new EngineConfig(c.workers(), 4, 50, 500, 200, 60_000, 60_000, 30_000, 5, 10, 3, 10, 200);
    }
}
