package io.bootmedic.cloud.azure;

import io.bootmedic.cloud.engine.Clock;
import io.bootmedic.cloud.engine.JournalStore;

import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/** The orchestrator dying: a clock that throws once a condition holds, a journal that throws right after recording a step. */
final class Interrupt {
    static final class Died extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Died(String where) {
            super("the orchestrator died " + where);
        }
    }

    private Interrupt() {
    }

    /** The wall clock, until {@code when} holds at a wait: then the process "dies". */
    static Clock clockUntil(BooleanSupplier when) {
        return new Clock() {
            @Override
            public long now() {
                return System.currentTimeMillis();
            }

            @Override
            public void sleepUntil(long millis) {
                if (when.getAsBoolean()) {
                    throw new Died("while waiting");
                }
                Clock.SYSTEM.sleepUntil(millis);
            }
        };
    }

    /** A journal that dies right after it durably recorded a VM entering {@code step}. */
    static JournalStore dyingAfter(JournalStore inner, String step) {
        return new JournalStore() {
            @Override
            public String name() {
                return inner.name();
            }

            @Override
            public byte[] readAll() {
                return inner.readAll();
            }

            @Override
            public void append(byte[] line) {
                inner.append(line);
                if (new String(line, StandardCharsets.UTF_8).matches("(?s).*\"step\"\\s*:\\s*\"" + step + "\".*")) {
                    throw new Died("after recording " + step);
                }
            }

            @Override
            public void truncate(long length) {
                inner.truncate(length);
            }
        };
    }
}
