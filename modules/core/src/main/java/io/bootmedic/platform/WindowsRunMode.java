package io.bootmedic.platform;

import io.bootmedic.report.RunMode;

import java.util.Locale;
import java.util.Map;

/** Whether bootmedic runs in WinPE, in safe mode, or in a normally booted Windows (report's mode). */
public final class WindowsRunMode {
    private WindowsRunMode() {
    }

    public static RunMode current() {
        return detect(System.getenv());
    }

    /**
     * Windows sets SAFEBOOT_OPTION (MINIMAL, NETWORK) only in safe mode; WinPE runs from the RAM
     * disk X:, a letter installed Windows never boots from.
     */
    public static RunMode detect(Map<String, String> env) {
        if (value(env, "SAFEBOOT_OPTION") != null) {
            return RunMode.SAFE_MODE;
        }
        String systemDrive = value(env, "SystemDrive");
        return systemDrive != null && systemDrive.toUpperCase(Locale.ROOT).startsWith("X:") ? RunMode.WINPE : RunMode.WINDOWS;
    }

    // Windows environment names are case-insensitive; a Java Map from a test is not
    private static String value(Map<String, String> env, String name) {
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name) && e.getValue() != null && !e.getValue().isBlank()) {
                return e.getValue();
            }
        }
        return null;
    }
}
