package io.bootmedic.cloud.worker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * scripts/lib/worker-fix.sh, the one script every route runs on its worker, as the build copied it into this jar (one
 * source file: the jar cannot drift from the script the tests check). A route sends it with its arguments as one
 * shell line that needs no file on the worker and no quoting of the script.
 */
public final class WorkerScript {
    private static final String RESOURCE = "/io/bootmedic/cloud/worker/worker-fix.sh";

    private WorkerScript() {
    }

    public static String text() {
        try (InputStream in = WorkerScript.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("worker-fix.sh is missing from the jar (" + RESOURCE + "): a build defect, report it");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One line for a run command: the script, base64 (nothing in it is read by the outer shell), piped to bash with
     * {@code args} as its arguments. Each argument is checked, not quoted: only characters no shell treats specially.
     */
    public static String commandLine(List<String> args) {
        StringBuilder sb = new StringBuilder("echo ").append(Base64.getEncoder().encodeToString(text().getBytes(StandardCharsets.UTF_8)))
                .append(" | base64 -d | bash -s --");
        for (String a : args) {
            if (!a.matches("[A-Za-z0-9_./:=@+,-]+")) {
                throw new IllegalArgumentException("worker argument '" + a + "' has characters a shell would read: use a plain path or ID");
            }
            sb.append(' ').append(a);
        }
        return sb.toString();
    }
}
