package io.bootmedic.cloud.engine;

/** Time for the engine: the wall clock for a real cloud, a virtual one for the simulations. Milliseconds. */
public interface Clock {
    long now();

    /** Returns at {@code millis} or later (a virtual clock jumps there and runs what the cloud does meanwhile). */
    void sleepUntil(long millis);

    Clock SYSTEM = new Clock() {
        @Override
        public long now() {
            return System.currentTimeMillis();
        }

        @Override
        public void sleepUntil(long millis) {
            long wait = millis - now();
            if (wait > 0) {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    };
}
