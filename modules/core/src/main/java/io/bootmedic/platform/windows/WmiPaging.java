package io.bootmedic.platform.windows;

import io.bootmedic.platform.BitLockerCodes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Drains a WMI enumerator one object at a time with a finite wait (WBEM_INFINITE would let a
 * provider stuck on a failing disk hold WinRE's menu forever). IEnumWbemClassObject::Next answers
 * S_OK with an object, WBEM_S_FALSE at the end, WBEM_S_TIMEDOUT when nothing came within the wait,
 * or a failure HRESULT. Pure logic, so the bounds are tested on Linux.
 */
final class WmiPaging {
    static final int WBEM_S_FALSE = 1;
    static final int WBEM_S_TIMEDOUT = 0x40004;
    /** WBEM_E_TIMED_OUT: what a query that outlived its limit is reported as. */
    static final int WBEM_E_TIMED_OUT = 0x80043001;
    /** A machine has tens of volumes; more objects than this is a provider gone wrong. */
    static final int MAX_OBJECTS = 4096;
    private static final int STEP_MILLIS = 1000;

    private WmiPaging() {
    }

    /** One call of Next(timeout, 1): its HRESULT and the object it returned, if any. */
    record Step<T>(int hresult, T object) {
    }

    interface Enumerator<T> {
        Step<T> next(int timeoutMillis);
    }

    /**
     * Every object, or a {@link WmiUnavailableException} once {@code limit} has passed or Next
     * fails; objects already taken are handed to {@code release} before it is thrown.
     */
    static <T> List<T> drain(Enumerator<T> e, Duration limit, LongSupplier nanoClock, Consumer<T> release, String what)
            throws WmiUnavailableException {
        long deadline = nanoClock.getAsLong() + limit.toNanos();
        List<T> out = new ArrayList<>();
        while (true) {
            long leftMillis = (deadline - nanoClock.getAsLong()) / 1_000_000L;
            if (leftMillis <= 0) {
                out.forEach(release);
                throw new WmiUnavailableException(what + ": WMI gave no answer within " + limit.toSeconds() + " s ("
                        + BitLockerCodes.hex(WBEM_E_TIMED_OUT) + ")", WBEM_E_TIMED_OUT);
            }
            Step<T> step = e.next((int) Math.min(leftMillis, STEP_MILLIS));
            if (step.object() != null) {
                out.add(step.object());
            }
            if (step.hresult() < 0) {
                out.forEach(release);
                throw new WmiUnavailableException(what + " failed: " + BitLockerCodes.describe(step.hresult()), step.hresult());
            }
            if (out.size() > MAX_OBJECTS) {
                out.forEach(release);
                throw new WmiUnavailableException(what + ": WMI returned more than " + MAX_OBJECTS + " objects", WBEM_E_TIMED_OUT);
            }
            if (step.hresult() == WBEM_S_FALSE) {
                return out;
            }
            // S_OK: more may follow; WBEM_S_TIMEDOUT: ask again until the deadline
        }
    }
}
