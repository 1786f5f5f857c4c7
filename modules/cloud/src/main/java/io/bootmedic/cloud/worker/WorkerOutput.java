package io.bootmedic.cloud.worker;

import java.util.OptionalInt;

/**
 * What worker-fix.sh printed, read the same way for every route. Its last line is {@code BOOTMEDIC_EXIT=<code>},
 * printed after bootmedic itself ended (also when it was stopped by a signal): seeing it is seeing the writer exit.
 * bootmedic's own banner says whether the copy changed: {@code FIXED:} at the start of a line; {@code NOTHING TO FIX:}
 * or any other outcome means it did not. An output cut short (SSM keeps the first 24,000 characters) shows neither,
 * which reads as "not seen to exit" and "not changed": the safe side of both.
 */
public record WorkerOutput(OptionalInt exit, boolean fixed, boolean released, boolean busy) {
    public static WorkerOutput parse(String out) {
        OptionalInt exit = OptionalInt.empty();
        boolean fixed = false;
        boolean released = false;
        boolean busy = false;
        for (String line : (out == null ? "" : out).split("\r?\n")) {
            if (line.startsWith("BOOTMEDIC_EXIT=")) {
                String v = line.substring("BOOTMEDIC_EXIT=".length()).trim();
                exit = v.matches("[0-9]{1,3}") ? OptionalInt.of(Integer.parseInt(v)) : OptionalInt.empty();
            } else if (line.startsWith("FIXED:")) {
                fixed = true;
            } else if (line.startsWith("BOOTMEDIC_RELEASED=")) {
                released = true;
            } else if (line.startsWith("BOOTMEDIC_BUSY=")) {
                busy = true;
            }
        }
        return new WorkerOutput(exit, fixed, released, busy);
    }

    public boolean writerExited() {
        return exit.isPresent();
    }

    /** The copy changed: bootmedic ended with 0 and said FIXED. */
    public boolean changed() {
        return fixed && exit.isPresent() && exit.getAsInt() == 0;
    }
}
