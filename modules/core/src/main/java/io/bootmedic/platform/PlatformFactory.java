package io.bootmedic.platform;

import java.util.Locale;

/**
 * Picks the platform by os.name. The implementations are loaded by name so that the Windows
 * classes (and their JNA bindings) are never touched on Linux and the other way round.
 */
public final class PlatformFactory {
    static final String WINDOWS = "io.bootmedic.platform.windows.WindowsPlatform";
    static final String LINUX = "io.bootmedic.platform.linux.LinuxPlatform";

    private PlatformFactory() {
    }

    public static Platform current() {
        return forOs(System.getProperty("os.name", ""));
    }

    static Platform forOs(String osName) {
        String os = osName.toLowerCase(Locale.ROOT);
        String impl = os.startsWith("windows") ? WINDOWS : LINUX;
        try {
            return (Platform) Class.forName(impl).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            // a build defect: the minimized jar lost the class (BOOTMEDIC_DEBUG=1 shows which)
            throw new IllegalStateException("the " + (impl.equals(WINDOWS) ? "Windows" : "Linux") + " support is missing from this build of bootmedic: "
                    + "use the released jar, or report the build", e);
        }
    }
}
