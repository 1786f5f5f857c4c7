package io.bootmedic.platform;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The Java charset of a Windows OEM code page (what console tools such as manage-bde write:
 * 437 in the US, 850 in Western Europe, 852, 866, ...). The number comes from GetOEMCP().
 */
public final class OemCodePage {
    private OemCodePage() {
    }

    public static Charset forCodePage(int codePage) {
        if (codePage == 65001) {
            return StandardCharsets.UTF_8;
        }
        for (String name : new String[] {"IBM" + codePage, "x-IBM" + codePage, "cp" + codePage, "windows-" + codePage}) {
            try {
                return Charset.forName(name);
            } catch (IllegalArgumentException e) {
                // try the next spelling
            }
        }
        return Charset.forName("IBM437"); // the OEM code page Windows falls back to
    }
}
