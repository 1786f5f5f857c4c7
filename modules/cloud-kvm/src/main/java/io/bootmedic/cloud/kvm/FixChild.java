package io.bootmedic.cloud.kvm;

import io.bootmedic.cloud.route.BootmedicCli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The process the route starts for one fix: runs {@code bootmedic fix --image COPY} (in this JVM, or the operator's
 * bootmedic when --bootmedic/--jar named one) and writes its exit code to a file, so that an orchestrator started
 * again after a crash still learns how the fix ended. A fix stopped before the end writes no exit code.
 *
 * <p>Arguments: EXIT_FILE (in-process|exec) ARGS...
 */
public final class FixChild {
    private FixChild() {
    }

    public static void main(String[] args) throws Exception {
        Path exitFile = Path.of(args[0]);
        String mode = args[1];
        String[] rest = Arrays.copyOfRange(args, 2, args.length);
        int code;
        if (mode.equals("in-process")) {
            code = BootmedicCli.load().run(rest, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        } else {
            Process p = new ProcessBuilder(List.of(rest)).inheritIO().start();
            // a cancel (SIGTERM) reaches this process: pass it on and wait, so the writer has ended when this one does
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                p.destroy();
                try {
                    p.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            code = p.waitFor();
        }
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("exit", code);
        StateFiles.write(exitFile, done);
        System.out.flush();
        Runtime.getRuntime().halt(code); // no shutdown hook: the writer has exited
    }
}
