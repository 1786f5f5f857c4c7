package io.bootmedic.cloud.route;

import io.bootmedic.cloud.engine.EngineConfig;
import io.bootmedic.cloud.provider.CloudProvider;

import java.util.List;

/**
 * A route connected: the provider the engine drives, the workers it may lend copies to, and what identifies the
 * target (account and region, subscription, project, libvirt URI), which a journal records so that {@code resume}
 * and {@code rollback} refuse to continue a run against another target.
 */
public record Connection(CloudProvider provider, List<EngineConfig.Worker> workers, String target, AutoCloseable closer) implements AutoCloseable {
    public Connection {
        if (workers.isEmpty()) {
            throw new IllegalArgumentException("at least one worker");
        }
    }

    @Override
    public void close() throws Exception {
        if (closer != null) {
            closer.close();
        }
    }
}
