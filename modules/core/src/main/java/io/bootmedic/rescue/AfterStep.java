package io.bootmedic.rescue;

import io.bootmedic.util.DurableFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/** What the init does once the console is done: the word it reads from the decision file. */
public enum AfterStep {
    REBOOT, POWEROFF, SHELL;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** "reboot", "poweroff" or "shell"; anything else is refused with the three words. */
    public static AfterStep parse(String word) {
        for (AfterStep s : values()) {
            if (s.word().equals(word)) {
                return s;
            }
        }
        throw new IllegalArgumentException("--after takes reboot, poweroff or shell, not '" + io.bootmedic.format.Printable.of(word, 40) + "'");
    }

    /** Writes the word to {@code file} whole (a temporary file renamed over it), so the init never reads half a word. */
    public void writeTo(Path file) throws IOException {
        DurableFiles.write(file.toAbsolutePath(), (word() + "\n").getBytes(StandardCharsets.US_ASCII));
    }
}
