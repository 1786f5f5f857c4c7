package io.bootmedic.cloud.route;

/**
 * One way to reach VMs (aws, azure, gcp, kvm), found by {@link java.util.ServiceLoader}
 * (META-INF/services/io.bootmedic.cloud.route.Route). A route owns only what differs between clouds: its options and
 * how it connects. The commands ({@code bootmedic cloud <route> plan|run|resume|rollback|status}), the journal, the
 * progress and the report are the same for every route (io.bootmedic.cli.RouteCommands).
 */
public interface Route {
    /** The sub-command's name: {@code aws}, {@code azure}, {@code gcp}, {@code kvm}. */
    String name();

    /** One line for the help. */
    String summary();

    /**
     * A fresh object whose fields carry picocli {@code @Option} annotations: the route's own options (region, worker,
     * credentials profile, ...). It is added to each of the route's sub-commands as a mixin.
     */
    Object newOptions();

    /**
     * Connects with the parsed options: checks them, builds the SDK clients, and names the workers. Bad options are an
     * {@link IllegalArgumentException} whose message is the one line the operator reads; nothing is written to the cloud.
     */
    Connection connect(Object options);
}
