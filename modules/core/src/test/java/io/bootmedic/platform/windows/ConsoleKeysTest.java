package io.bootmedic.platform.windows;

import io.bootmedic.console.WinPeConsole;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The countdown's key presses off Windows: bytes typed at a console count, a pipe is never asked. */
class ConsoleKeysTest {
    @Test
    void aKeyTypedAtAConsoleCancelsOnceAndIsConsumed() throws Exception {
        ByteArrayInputStream typed = new ByteArrayInputStream("x\n".getBytes());
        WinPeConsole.KeyPoller keys = ConsoleKeys.fromStdin(true, typed);
        assertTrue(keys.keyPressed());
        assertEquals(0, typed.available(), "the key is drained so it does not reach the next prompt");
        assertFalse(keys.keyPressed());
    }

    @Test
    void withoutAConsoleStdinIsNeverTouched() throws Exception {
        // a stdin someone else holds (a test runner's command channel, a service's pipe) may block when asked
        InputStream held = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("read a stdin that is not a console");
            }

            @Override
            public int available() {
                throw new AssertionError("asked a stdin that is not a console");
            }
        };
        WinPeConsole.KeyPoller keys = ConsoleKeys.fromStdin(false, held);
        assertFalse(keys.keyPressed());
        assertFalse(keys.keyPressed());
    }
}
