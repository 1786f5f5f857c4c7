package io.bootmedic.util;

/** Which operating system bootmedic runs on, where behaviour must differ. */
public final class Os {
    private Os() {
    }

    public static boolean isWindows() {
        return System.getProperty("os.name", "").startsWith("Windows");
    }
}
