package io.bootmedic.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An Error that escapes a command (a heap exhausted by an input, a recursion) ends in one sentence, exit 1, no stack trace. */
class FatalErrorTest {
    @Test
    void anOutOfMemoryErrorIsOneSentence() {
        StringWriter text = new StringWriter();
        int exit = Main.fatal(new OutOfMemoryError("Java heap space"), new PrintWriter(text));
        assertEquals(ExitCodes.NEEDS_WORK, exit);
        String out = text.toString();
        assertEquals(1, out.strip().lines().count(), out);
        assertTrue(out.startsWith("bootmedic: ran out of memory") && out.contains("-Xmx2g"), out);
        assertFalse(out.contains("OutOfMemoryError") || out.contains("java.lang") || out.contains("\tat "), out);
    }

    @Test
    void aStackOverflowIsOneSentence() {
        StringWriter text = new StringWriter();
        assertEquals(ExitCodes.NEEDS_WORK, Main.fatal(new StackOverflowError(), new PrintWriter(text)));
        assertTrue(text.toString().startsWith("bootmedic: an input nested too deeply"), text.toString());
        assertFalse(text.toString().contains("StackOverflowError"), text.toString());
    }
}
