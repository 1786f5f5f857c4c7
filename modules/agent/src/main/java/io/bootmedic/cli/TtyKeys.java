package io.bootmedic.cli;

import io.bootmedic.console.WinPeConsole;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * "Any key" on the Linux console during the rescue countdown: the terminal is put in non-canonical
 * mode without echo (stty, on our own standard input) so one key press is readable at once, and put
 * back afterwards. Without a terminal (piped input, tests) every byte that arrives counts as a key.
 */
final class TtyKeys implements WinPeConsole.KeyPoller, AutoCloseable {
    private final InputStream in;
    private final String saved;

    private TtyKeys(InputStream in, String saved) {
        this.in = in;
        this.saved = saved;
    }

    static TtyKeys open(InputStream in) {
        // not System.console(): it needs standard output on the terminal too, and the init copies the output to the serial port
        String saved = stty(List.of("-g"));
        if (saved != null && stty(List.of("-icanon", "-echo", "min", "0", "time", "0")) == null) {
            saved = null;
        }
        return new TtyKeys(in, saved);
    }

    @Override
    public boolean keyPressed() throws IOException {
        boolean pressed = false;
        while (in.available() > 0) {
            if (in.read() < 0) {
                break;
            }
            pressed = true;
        }
        return pressed;
    }

    @Override
    public void close() {
        if (saved != null && saved.matches("[0-9a-fA-F:]+")) {
            stty(List.of(saved));
        }
    }

    /** Runs stty on the terminal we read from; its output, or null when there is none (no stty, not a terminal). */
    private static String stty(List<String> args) {
        List<String> command = new java.util.ArrayList<>(List.of("stty"));
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readNBytes(4096), java.nio.charset.StandardCharsets.US_ASCII).strip();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? output : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
