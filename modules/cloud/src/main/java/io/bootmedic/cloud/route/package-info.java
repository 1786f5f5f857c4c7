/**
 * The seam a route module plugs into: {@link io.bootmedic.cloud.route.Route} (its options and how it connects) and
 * {@link io.bootmedic.cloud.route.Connection} (the provider, the workers, the target the journal records). The five
 * commands every route gets are built once, in {@code io.bootmedic.cli.RouteCommands}.
 */
package io.bootmedic.cloud.route;
