package io.bootmedic.cli;

import io.bootmedic.cloud.route.BootmedicCli;

import java.io.PrintWriter;

/** {@link Main#run} for the routes that run bootmedic on this host. */
public final class MainCli implements BootmedicCli {
    @Override
    public int run(String[] args, PrintWriter out, PrintWriter err) {
        return Main.run(args, out, err);
    }
}
