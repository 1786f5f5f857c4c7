package io.bootmedic.platform;

/**
 * What to say when the Windows support could not load its native code: JNA's jnidispatch.dll is
 * missing from the payload (the launcher passes -Djna.nounpack=true with native\ as the library
 * path, so JNA has nowhere else to look) or is for another architecture. A packaging error, said
 * in words, never as a LinkageError's stack trace.
 */
public final class PlatformPackaging {
    private static final int MAX_DETAIL = 160;

    private PlatformPackaging() {
    }

    public static String explain(LinkageError e) {
        String where = System.getProperty("jna.boot.library.path");
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("").strip();
        if (detail.length() > MAX_DETAIL) {
            detail = detail.substring(0, MAX_DETAIL) + "...";
        }
        return "packaging error: this agent could not load its Windows support, because JNA's native library "
                + "(jnidispatch.dll) is missing or does not fit this Windows" + (where == null ? "" : " (looked in " + where + ")")
                + ". Nothing was looked at or changed. Build the payload again with winpe\\build.ps1 (it unpacks native\\) and stage it "
                + "again (Java said: " + detail + ")";
    }
}
