package io.bootmedic.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The version answers without building every command (start-up), and help still lists them all. */
class MainVersionTest {
    @Test
    void versionAnswersBothSpellings() {
        for (String flag : new String[]{"--version", "-V"}) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            assertEquals(0, Main.run(new String[]{flag}, new PrintWriter(out, true), new PrintWriter(err, true)), err.toString());
            assertTrue(out.toString().startsWith("bootmedic "), flag + ": " + out);
        }
    }

    @Test
    void helpStillListsEveryCommand() {
        StringWriter out = new StringWriter();
        Main.run(new String[]{"--help"}, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
        for (String command : new String[]{"scan", "fix", "undo", "rescue", "practice-tree"}) {
            assertTrue(out.toString().contains("  " + command + " ") || out.toString().contains("  " + command + "\n"), command + " missing from:\n" + out);
        }
    }
}
