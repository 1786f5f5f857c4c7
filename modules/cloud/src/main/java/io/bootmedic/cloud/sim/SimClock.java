package io.bootmedic.cloud.sim;

import io.bootmedic.cloud.engine.Clock;

import java.util.PriorityQueue;

/** Virtual time: sleeping jumps forward, running what the simulated cloud does meanwhile in time order. */
public final class SimClock implements Clock {
    private record Event(long at, long seq, Runnable action) {
    }

    private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private long now;
    private long seq;

    @Override
    public long now() {
        return now;
    }

    @Override
    public void sleepUntil(long millis) {
        while (!events.isEmpty() && events.peek().at <= millis) {
            Event e = events.poll();
            now = Math.max(now, e.at);
            e.action.run();
        }
        now = Math.max(now, millis);
    }

    void at(long delay, Runnable action) {
        events.add(new Event(now + Math.max(0, delay), seq++, action));
    }
}
