package io.bootmedic.platform.windows;

import com.sun.jna.Memory;
import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.platform.BitLockerControl;
import io.bootmedic.platform.BitLockerControlException;
import io.bootmedic.platform.BitLockerStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WMI plumbing that decides "WMI is unusable, use manage-bde", bounds every wait, and wipes the password BSTR. */
@Timeout(30) // a drain that ignored its deadline would spin here forever
class WmiPlumbingTest {
    static final int RPC_S_SERVER_UNAVAILABLE = 0x800706BA;
    static final int E_ACCESSDENIED = 0x80070005;

    /** A scripted enumerator on a fake clock: each Next advances the clock by the wait it was given when it times out. */
    static final class Script implements WmiPaging.Enumerator<String> {
        final Deque<WmiPaging.Step<String>> steps = new ArrayDeque<>();
        final List<Integer> waits = new ArrayList<>();
        final AtomicLong clock = new AtomicLong();

        @Override
        public WmiPaging.Step<String> next(int timeoutMillis) {
            waits.add(timeoutMillis);
            WmiPaging.Step<String> s = steps.isEmpty() ? new WmiPaging.Step<>(WmiPaging.WBEM_S_TIMEDOUT, null) : steps.poll();
            if (s.hresult() == WmiPaging.WBEM_S_TIMEDOUT) {
                clock.addAndGet(timeoutMillis * 1_000_000L);
            }
            return s;
        }
    }

    @Test
    void aQueryIsDrainedUntilTheEndWithAFiniteWaitEachTime() throws Exception {
        Script s = new Script();
        s.steps.add(new WmiPaging.Step<>(0, "C:"));
        s.steps.add(new WmiPaging.Step<>(WmiPaging.WBEM_S_TIMEDOUT, null));
        s.steps.add(new WmiPaging.Step<>(0, "D:"));
        s.steps.add(new WmiPaging.Step<>(WmiPaging.WBEM_S_FALSE, null));
        List<String> released = new ArrayList<>();
        assertEquals(List.of("C:", "D:"), WmiPaging.drain(s, Duration.ofSeconds(30), s.clock::get, released::add, "q"));
        assertTrue(released.isEmpty());
        assertTrue(s.waits.stream().allMatch(w -> w > 0 && w <= 1000), "never WBEM_INFINITE (-1): " + s.waits);
    }

    @Test
    void aProviderThatNeverAnswersEndsAtTheLimitAndReleasesWhatItGot() {
        Script s = new Script();
        s.steps.add(new WmiPaging.Step<>(0, "C:"));
        List<String> released = new ArrayList<>();
        WmiUnavailableException e = assertThrows(WmiUnavailableException.class,
                () -> WmiPaging.drain(s, Duration.ofSeconds(5), s.clock::get, released::add, "WMI query"));
        assertEquals(WmiPaging.WBEM_E_TIMED_OUT, e.code());
        assertTrue(e.getMessage().contains("within 5 s"), e.getMessage());
        assertEquals(List.of("C:"), released);
        assertTrue(s.clock.get() <= Duration.ofSeconds(5).toNanos(), "no wait past the limit: " + s.clock.get());
        assertEquals(6, s.waits.size(), "one object, then five one-second waits: " + s.waits);
    }

    @Test
    void aFailedNextIsWmiUnavailable() {
        Script s = new Script();
        s.steps.add(new WmiPaging.Step<>(0, "C:"));
        s.steps.add(new WmiPaging.Step<>(RPC_S_SERVER_UNAVAILABLE, null));
        List<String> released = new ArrayList<>();
        WmiUnavailableException e = assertThrows(WmiUnavailableException.class,
                () -> WmiPaging.drain(s, Duration.ofSeconds(30), s.clock::get, released::add, "WMI query"));
        assertEquals(RPC_S_SERVER_UNAVAILABLE, e.code());
        assertEquals(List.of("C:"), released);
    }

    /** Records which control was asked. */
    static final class Control implements BitLockerControl {
        final List<String> calls;
        final String name;
        final IOException failure;

        Control(String name, List<String> calls, IOException failure) {
            this.name = name;
            this.calls = calls;
            this.failure = failure;
        }

        @Override
        public BitLockerStatus status(String volume) throws IOException {
            calls.add(name);
            if (failure != null) {
                throw failure;
            }
            return BitLockerStatus.NOT_ENCRYPTED;
        }

        @Override
        public void unlockWithRecoveryPassword(String volume, RecoveryPassword password) {
        }

        @Override
        public void unlockWithExternalKey(String volume, byte[] bek) {
        }
    }

    @Test
    void comFailuresOfTheCallItselfFallBackToManageBde() throws IOException {
        for (int code : new int[] {RPC_S_SERVER_UNAVAILABLE, E_ACCESSDENIED}) {
            List<String> calls = new ArrayList<>();
            List<String> log = new ArrayList<>();
            FallbackBitLockerControl c = new FallbackBitLockerControl(new Control("wmi", calls, new WmiUnavailableException("ExecMethod failed", code)),
                    new Control("manage-bde", calls, null), log::add);
            assertSame(BitLockerStatus.NOT_ENCRYPTED, c.status("C:"));
            c.status("D:");
            assertEquals(List.of("wmi", "manage-bde", "manage-bde"), calls, "WMI is not asked again once it failed");
            assertTrue(log.get(0).contains("using manage-bde"), log.toString());
        }
    }

    @Test
    void theSameCodeAsAMethodsReturnValueIsBitLockersAnswerAndNotRetried() {
        List<String> calls = new ArrayList<>();
        FallbackBitLockerControl c = new FallbackBitLockerControl(new Control("wmi", calls, new BitLockerControlException("GetLockStatus failed", E_ACCESSDENIED)),
                new Control("manage-bde", calls, null), m -> { });
        assertThrows(BitLockerControlException.class, () -> c.status("C:"));
        assertEquals(List.of("wmi"), calls);
    }

    @Test
    void theBstrIsZeroedUpToItsTerminatorBeforeItIsFreed() {
        String password = "000011-000022-000033-000044-000055-000066-000077-000088";
        byte[] chars = password.getBytes(StandardCharsets.UTF_16LE);
        Memory block = new Memory(4 + chars.length + 2 + 8);
        block.clear();
        block.setInt(0, chars.length);
        block.write(4, chars, 0, chars.length);
        block.setByte(4 + chars.length + 2, (byte) 0x5A); // the next allocation: must stay
        Bstrs.wipe(block.share(4));
        assertEquals(chars.length, block.getInt(0), "the length prefix stays for SysFreeString");
        byte[] after = block.getByteArray(4, chars.length + 2);
        for (byte b : after) {
            assertEquals(0, b, "every character byte is zero");
        }
        assertEquals(0x5A, block.getByte(4 + chars.length + 2), "nothing past the terminator is touched");
    }

    @Test
    void anImplausibleLengthIsNotTrusted() {
        Memory block = new Memory(16);
        block.setInt(0, -2);
        block.setInt(4, 0x41414141);
        Bstrs.wipe(block.share(4));
        assertEquals(0x41414141, block.getInt(4));
        Bstrs.wipe(null);
    }
}
