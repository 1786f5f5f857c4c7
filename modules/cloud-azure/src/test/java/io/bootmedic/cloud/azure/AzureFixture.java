package io.bootmedic.cloud.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bootmedic.cloud.azure.arm.ArmEmulator;
import io.bootmedic.cloud.azure.arm.ArmState;
import io.bootmedic.cloud.azure.arm.TestTls;
import io.bootmedic.cloud.engine.Clock;
import io.bootmedic.cloud.engine.Engine;
import io.bootmedic.cloud.engine.EngineConfig;
import io.bootmedic.cloud.engine.JournalStore;
import io.bootmedic.cloud.engine.MemoryJournalStore;
import io.bootmedic.cloud.engine.RunReport;
import io.bootmedic.cloud.engine.VmRecord;
import io.bootmedic.cloud.route.Connection;
import io.netty.handler.ssl.SslContextBuilder;
import reactor.core.publisher.Mono;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The ARM emulator with a Linux worker (wrg/worker, westeurope zone 1, LUN 10), and the azure route connected to it
 * through the real SDK: an AzureEnvironment whose resource manager is the emulator, a fixed-token credential, and a
 * Netty client that trusts the emulator's certificate. The engine is driven directly, with short waits.
 */
final class AzureFixture implements AutoCloseable {
    static final String RUN = "abcd1234";
    final ArmEmulator arm;
    final ArmState st;
    final ObjectNode worker;

    AzureFixture() throws Exception {
        arm = new ArmEmulator();
        st = arm.state;
        worker = st.addVm("wrg", "worker", "westeurope", "1", "Linux", st.addDisk("wrg", "worker_os", "westeurope", "1", "Premium_LRS", 30));
        st.agentReady.add(ArmState.key(worker.get("id").asText()));
    }

    @Override
    public void close() {
        arm.close();
    }

    static TokenCredential fixedToken() {
        return request -> Mono.just(new AccessToken(ArmEmulator.TOKEN, OffsetDateTime.now(java.time.ZoneOffset.UTC).plusHours(1)));
    }

    private static HttpClient client;

    /** One client for all tests (its event loop and TLS set-up are the slow part of a connect). */
    static synchronized HttpClient trustingClient() {
        if (client == null) {
            client = newTrustingClient();
        }
        return client;
    }

    private static HttpClient newTrustingClient() {
        try {
            var ssl = SslContextBuilder.forClient().trustManager(TestTls.certificate()).build();
            return new NettyAsyncHttpClientBuilder(reactor.netty.http.client.HttpClient.create().secure(s -> s.sslContext(ssl))).build();
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    AzureOptions options(String... extra) {
        AzureOptions o = new AzureOptions();
        new picocli.CommandLine(o).parseArgs(extra);
        o.subscription = ArmState.SUB;
        o.endpoint = arm.base;
        if (o.workers.isEmpty()) {
            o.workerGroup = "wrg";
            o.workers = List.of("worker");
        }
        return o;
    }

    Connection connect(String... args) {
        return new AzureRoute().connect(options(args), fixedToken(), trustingClient());
    }

    static EngineConfig config(Connection c) {
        return new EngineConfig(c.workers(), 4, 50, 500, 200, 60_000, 30_000, 30_000, 5, 10, 3, 10, 200);
    }

    RunReport run(JournalStore store, String... args) {
        Connection c = connect(args);
        return Engine.run(c.provider(), store, Clock.SYSTEM, config(c), RUN);
    }

    RunReport run(String... args) {
        return run(new MemoryJournalStore(), args);
    }

    RunReport resume(JournalStore store, String... args) {
        Connection c = connect(args);
        return Engine.resume(c.provider(), store, Clock.SYSTEM, config(c));
    }

    RunReport rollback(JournalStore store, String... args) {
        Connection c = connect(args);
        return Engine.rollback(c.provider(), store, Clock.SYSTEM, config(c), java.util.Set.of());
    }

    static VmRecord vm(RunReport r, String name) {
        VmRecord v = r.vms().stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
        assertNotNull(v, name + " not in the run: " + r.vms());
        return v;
    }

    String osDisk(ObjectNode vm) {
        return st.osDiskId(vm);
    }

    String power(ObjectNode vm) {
        return st.power(vm);
    }

    /** No violation of the write rules, and nothing left on the worker. */
    void clean() {
        assertEquals(List.of(), st.violations, "violations");
        assertEquals(List.of(), arm.workers.foreignScripts, "run commands that were not worker-fix.sh");
        assertEquals(java.util.Map.of(), st.luns(worker), "disks left on the worker");
    }

    void with(Consumer<ArmEmulator> setup) {
        setup.accept(arm);
    }
}
