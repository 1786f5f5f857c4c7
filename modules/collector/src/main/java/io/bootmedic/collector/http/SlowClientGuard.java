package io.bootmedic.collector.http;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Request;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A deadline for the TLS handshake plus the request line and headers. Jetty's idle timeout
 * only fires when no byte arrives, so a client that trickles one byte a second would hold its
 * connection (and a slot of the connection limit) for ever. Here every network connection must
 * have a request in the handler within {@code headerMillis} of being opened, or of finishing its
 * previous request; otherwise it is closed. Request bodies have their own minimum data rate.
 */
final class SlowClientGuard implements Connection.Listener, AutoCloseable {
    private final long headerMillis;
    private final Map<EndPoint, State> open = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    private static final class State {
        volatile long since;
        volatile int busy;

        State(long since) {
            this.since = since;
        }
    }

    SlowClientGuard(long headerMillis) {
        this.headerMillis = headerMillis;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "collector-slow-client-guard");
            t.setDaemon(true);
            return t;
        });
        long tick = Math.max(100, Math.min(1000, headerMillis / 4));
        timer.scheduleWithFixedDelay(this::sweep, tick, tick, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onOpened(Connection connection) {
        EndPoint ep = connection.getEndPoint();
        if (!(ep instanceof SslConnection.SslEndPoint)) { // the network side only; TLS connections also open one inside
            open.putIfAbsent(ep, new State(System.nanoTime()));
        }
    }

    @Override
    public void onClosed(Connection connection) {
        open.remove(connection.getEndPoint());
    }

    /** Called when a request's headers are in and it reaches the routes. */
    void started(Request request) {
        State s = open.get(network(request));
        if (s != null) {
            synchronized (s) {
                s.busy++;
            }
        }
    }

    /** Called when its answer is written: the next request's headers get a fresh deadline. */
    void finished(Request request) {
        State s = open.get(network(request));
        if (s != null) {
            synchronized (s) {
                s.busy--;
                s.since = System.nanoTime();
            }
        }
    }

    private static EndPoint network(Request request) {
        EndPoint ep = request.getConnectionMetaData().getConnection().getEndPoint();
        while (ep instanceof SslConnection.SslEndPoint ssl) {
            ep = ssl.getSslConnection().getEndPoint();
        }
        return ep;
    }

    private void sweep() {
        long now = System.nanoTime();
        long limit = TimeUnit.MILLISECONDS.toNanos(headerMillis);
        open.forEach((ep, s) -> {
            if (s.busy == 0 && now - s.since > limit) {
                open.remove(ep);
                ep.close();
            }
        });
    }

    int openConnections() {
        return open.size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
