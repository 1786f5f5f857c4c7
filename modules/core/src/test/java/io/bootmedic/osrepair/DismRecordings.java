package io.bootmedic.osrepair;

import io.bootmedic.platform.OemCodePage;
import io.bootmedic.platform.ProcessCommandRunner;

import java.nio.charset.Charset;
import java.util.List;

/**
 * DISM's output in the form {@code DISM /English} prints it to a pipe: CRLF line ends, the banner, the table of
 * {@code /Get-Packages /Format:Table} with its rules of dashes and " | " between columns and trailing blanks, the
 * closing line; failures as an {@code Error: <code>} block and the log's path. Written for these tests after
 * Microsoft's documentation and published transcripts, not captured on a real Windows (docs/windows-repairs.md).
 * Everything goes through the OEM code page (850, as a German WinPE has) and back, as {@link ProcessCommandRunner} reads it.
 */
final class DismRecordings {
    static final Charset OEM = OemCodePage.forCodePage(850);
    static final String BANNER = "\r\nDeployment Image Servicing and Management tool\r\nVersion: 10.0.22621.2792\r\n\r\nImage Version: 10.0.22631.2861\r\n\r\n";
    static final String DONE = "The operation completed successfully.\r\n";

    private DismRecordings() {
    }

    /** A package row: identity, state, release type, install time. */
    record Row(String identity, String state, String release, String time) {
    }

    static final Row LCU = new Row("Package_for_RollupFix~31bf3856ad364e35~amd64~~22621.2861.1.6", "Install Pending", "Security Update", "12/12/2023 6:31 PM");
    static final Row OLD_LCU = new Row("Package_for_RollupFix~31bf3856ad364e35~amd64~~22621.2715.1.7", "Superseded", "Security Update", "11/14/2023 7:02 PM");
    static final Row SSU = new Row("Package_for_ServicingStack_2855~31bf3856ad364e35~amd64~~22621.2855.1.0", "Installed", "Update", "12/12/2023 6:20 PM");
    static final Row LANG = new Row("Microsoft-Windows-Client-LanguagePack-Package~31bf3856ad364e35~amd64~de-DE~10.0.22621.2861", "Installed",
            "Language Pack", "12/12/2023 6:40 PM");
    static final Row DOTNET = new Row("Package_for_DotNetRollup_481~31bf3856ad364e35~amd64~~10.0.9206.1", "Installed", "Update", "12/12/2023 6:25 PM");

    static String table(List<Row> rows) {
        int w = "Package Identity".length();
        for (Row r : rows) {
            w = Math.max(w, r.identity().length());
        }
        String rule = "-".repeat(w + 1) + "| " + "-".repeat(19) + " | " + "-".repeat(15) + " | " + "-".repeat(21) + "\r\n";
        StringBuilder sb = new StringBuilder(BANNER).append("Packages listing: \r\n\r\n").append(rule);
        sb.append(pad("Package Identity", w + 1)).append("| ").append(pad("State", 19)).append(" | ").append(pad("Release Type", 15)).append(" | ")
                .append(pad("Install Time", 21)).append("\r\n").append(rule);
        for (Row r : rows) {
            sb.append(pad(r.identity(), w + 1)).append("| ").append(pad(r.state(), 19)).append(" | ").append(pad(r.release(), 15)).append(" | ")
                    .append(pad(r.time(), 21)).append("\r\n");
        }
        return sb.append("\r\n").append(DONE).toString();
    }

    static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }

    /** A change that worked: the progress bar, the closing line. */
    static String changed(String what) {
        return BANNER + what + "\r\n[==========================100.0%==========================] \r\n" + DONE;
    }

    /** A failure as DISM prints it: the code, DISM's or Windows' words (the latter in the WinPE's language), the log. */
    static String failed(String code, String words) {
        return BANNER + "[===                        5.0%                           ] \r\n\r\nError: " + code + "\r\n\r\n" + words
                + "\r\n\r\nThe DISM log file can be found at X:\\windows\\Logs\\DISM\\dism.log\r\n";
    }

    /** Through the OEM code page and back, as the process runner decodes the pipe. */
    static String piped(String text) {
        return ProcessCommandRunner.decode(text.getBytes(OEM), OEM);
    }
}
