package io.bootmedic.platform;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@link CommandRunner} through ProcessBuilder; kills the tool when it hangs past the timeout. */
public final class ProcessCommandRunner implements CommandRunner {
    private final Charset charset;

    /** @param charset how the tool writes its output (on Windows the OEM code page, e.g. IBM850 for German) */
    public ProcessCommandRunner(Charset charset) {
        this.charset = charset;
    }

    @Override
    public Result run(List<String> command, Duration timeout) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread pump = new Thread(() -> copy(process.getInputStream(), out), "bootmedic-tool-output");
        pump.setDaemon(true);
        pump.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish within " + timeout.toSeconds()
                        + " s and was stopped: run it by hand to see what it waits for");
            }
            pump.join(2000);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + command.get(0) + " was running", e);
        }
        synchronized (out) {
            return new Result(process.exitValue(), decode(out.toByteArray(), charset));
        }
    }

    /**
     * A tool's output as text: the bytes in the tool's code page, CRLF line ends kept (the
     * parsers split on any line break). One place, so the tests decode recorded bytes the same way.
     */
    public static String decode(byte[] output, Charset charset) {
        return new String(output, charset);
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                synchronized (out) {
                    out.write(buffer, 0, n);
                }
            }
        } catch (IOException ignored) {
            // the process ended or was killed; what was read so far is the output
        }
    }
}
