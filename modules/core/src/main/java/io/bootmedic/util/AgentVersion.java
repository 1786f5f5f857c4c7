package io.bootmedic.util;

/** The version stamped into the jar's manifest by the build. */
public final class AgentVersion {
    private AgentVersion() {
    }

    public static String get() {
        String v = AgentVersion.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
