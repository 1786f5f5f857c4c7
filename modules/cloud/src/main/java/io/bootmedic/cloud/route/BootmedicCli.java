package io.bootmedic.cloud.route;

import java.io.PrintWriter;
import java.util.ServiceLoader;

/**
 * bootmedic's own command line, for a route that runs it on this host (KVM: {@code scan --image}, {@code fix --image}).
 * The command-line layer provides it (META-INF/services), so a route depends on this interface, never on the layer
 * above it.
 */
public interface BootmedicCli {
    /** Runs one command line; returns its exit code. */
    int run(String[] args, PrintWriter out, PrintWriter err);

    /** The one on the class path; a build without the command line is a defect, said so. */
    static BootmedicCli load() {
        return ServiceLoader.load(BootmedicCli.class, BootmedicCli.class.getClassLoader()).findFirst()
                .orElseThrow(() -> new IllegalStateException("bootmedic's command line is not on the class path (a build defect, report it)"));
    }
}
