package io.bootmedic.collector.client;

import io.bootmedic.format.ErrorWords;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A bounded wait for the collector to become reachable (WinRE brings its network up after the
 * launcher starts, DHCP may take a while). It never blocks recovery: after {@code budgetMillis}
 * it gives up and the run goes on with what the machine has (bundle keys, the built-in playbook).
 * Only TCP is tried here; TLS, the pin and the token are checked by the real requests after it.
 */
public final class CollectorWait {
    /** Longest pause between two tries: short, since every second here is a second before WinRE's menu. */
    static final long MAX_PAUSE_MILLIS = 4000;

    /** How the wait ended. */
    public enum Result {
        /** The collector accepted a connection. */
        REACHABLE,
        /** The network is up but nothing listens there (connection refused): waiting longer does not help. */
        REFUSED,
        /** No answer within the budget (no network, no route, no name resolution yet). */
        GAVE_UP
    }

    /** Sleeps; a seam so callers can interrupt or tests can count. */
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private final LongSupplier nanoClock;
    private final Sleeper sleeper;

    public CollectorWait(LongSupplier nanoClock, Sleeper sleeper) {
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
    }

    public static CollectorWait system() {
        return new CollectorWait(System::nanoTime, Thread::sleep);
    }

    /** Tries {@code url}'s host and port until it answers, refuses, or {@code budgetMillis} have passed. */
    public Result await(URI url, long budgetMillis, Consumer<String> progress) {
        int port = url.getPort() > 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
        long start = nanoClock.getAsLong();
        long pause = 500;
        String lastError = null;
        for (int attempt = 1; ; attempt++) {
            long left = budgetMillis - (nanoClock.getAsLong() - start) / 1_000_000;
            if (left <= 0) {
                progress.accept("the collector at " + url.getHost() + ":" + port + " did not answer within " + budgetMillis / 1000
                        + " s (" + lastError + "); going on without it");
                return Result.GAVE_UP;
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(url.getHost(), port), (int) Math.max(1, Math.min(left, 3000)));
                return Result.REACHABLE;
            } catch (ConnectException e) {
                if (e.getMessage() != null && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("refused")) {
                    progress.accept("the collector at " + url.getHost() + ":" + port + " refused the connection (it is not running there); "
                            + "going on without it");
                    return Result.REFUSED;
                }
                lastError = ErrorWords.reason(e);
            } catch (IOException | IllegalArgumentException e) { // unresolved name, no route, timeout
                lastError = ErrorWords.reason(e);
            }
            if (attempt == 1) {
                progress.accept("waiting up to " + budgetMillis / 1000 + " s for the network and the collector at " + url.getHost() + ":" + port);
            }
            long now = budgetMillis - (nanoClock.getAsLong() - start) / 1_000_000;
            try {
                sleeper.sleep(Math.max(0, Math.min(pause, now)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Result.GAVE_UP;
            }
            pause = Math.min(MAX_PAUSE_MILLIS, pause * 2);
        }
    }
}
