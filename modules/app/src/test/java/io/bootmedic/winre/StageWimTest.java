package io.bootmedic.winre;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scripts/winre/stage-wim.sh on WIMs that the real wimlib builds from a tree shaped like WinRE
 * (winpeshl.ini starting sources\recovery\recenv.exe); what lands inside is read back with
 * wimlib-imagex, not with the script's own code.
 */
class StageWimTest {
    static final String SCRIPT = "scripts/winre/stage-wim.sh";
    /** winpeshl runs programs: a batch file only through cmd.exe (options after the comma, as the Winpeshl.ini reference shows). */
    static final String HOOK = "%SYSTEMDRIVE%\\Windows\\System32\\cmd.exe, /c %SYSTEMDRIVE%\\bootmedic\\bootmedic-winre.cmd";
    static final String WINRE_INI = "[LaunchApps]\r\n%SYSTEMDRIVE%\\sources\\recovery\\recenv.exe\r\n";

    @TempDir
    Path tmp;
    Path wim;
    Path payload;

    record Run(int exit, String out) {
    }

    static Run run(Path dir, String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(args).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", args));
        return new Run(p.exitValue(), out);
    }

    Run stage(String... extra) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", Path.of(SCRIPT).toAbsolutePath().toString(), "--wim", wim.toString()));
        cmd.addAll(List.of(extra));
        return run(tmp, cmd.toArray(String[]::new));
    }

    String inside(String path) throws Exception {
        Run r = run(tmp, "wimlib-imagex", "extract", wim.toString(), "1", path, "--to-stdout");
        assertEquals(0, r.exit(), r.out());
        return r.out();
    }

    Path winre(String winpeshl) throws Exception {
        Path tree = tmp.resolve("tree-" + System.nanoTime());
        Files.createDirectories(tree.resolve("Windows/System32/config"));
        Files.createDirectories(tree.resolve("sources/recovery"));
        Files.writeString(tree.resolve("Windows/System32/winpeshl.ini"), winpeshl);
        Files.write(tree.resolve("sources/recovery/recenv.exe"), new byte[] {'M', 'Z'});
        Files.write(tree.resolve("Windows/System32/config/SYSTEM"), new byte[] {'r', 'e', 'g', 'f'});
        Path out = tmp.resolve("winre-" + System.nanoTime() + ".wim");
        Run r = run(tmp, "wimlib-imagex", "capture", tree.toString(), out.toString(), "Microsoft Windows Recovery Environment (x64)");
        assertEquals(0, r.exit(), r.out());
        return out;
    }

    @BeforeEach
    void images() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/wimlib-imagex")), "wimlib is not installed (scripts/setup-debian.sh installs wimtools)");
        wim = winre(WINRE_INI);
        payload = Files.createDirectories(tmp.resolve("payload"));
        Files.createDirectories(payload.resolve("runtime/bin"));
        Files.createDirectories(payload.resolve("trusted-keys"));
        Files.write(payload.resolve("bootmedic.jar"), "jar v1".getBytes(StandardCharsets.UTF_8));
        Files.write(payload.resolve("runtime/bin/java.exe"), new byte[] {'M', 'Z'});
        Files.writeString(payload.resolve("agent.conf"), "collector.url=https://10.0.0.5:8443\n");
        Files.writeString(payload.resolve("trusted-keys/ops.pub"), "ed25519 key\n");
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Test
    void thePayloadAndOneHookBeforeRecenvAreInsideAndASecondRunUpdatesInPlace() throws Exception {
        Run r = stage("--payload", payload.toString());
        assertEquals(0, r.exit(), r.out());
        assertEquals("jar v1", inside("/bootmedic/bootmedic.jar"));
        assertTrue(inside("/bootmedic/trusted-keys/ops.pub").contains("ed25519"));
        assertTrue(inside("/bootmedic/bootmedic-winre.cmd").contains("fix --all"));
        assertEquals(WINRE_INI, inside("/bootmedic/winpeshl.ini.orig"), "WinRE's own file is kept inside for -Remove on Windows");
        String ini = inside("/Windows/System32/winpeshl.ini");
        assertEquals("[LaunchApps]\r\n; bootmedic hook: stage-wim.sh / stage-winre.ps1\r\n" + HOOK + "\r\n"
                + "%SYSTEMDRIVE%\\sources\\recovery\\recenv.exe\r\n", ini);

        Files.write(payload.resolve("bootmedic.jar"), "jar v2".getBytes(StandardCharsets.UTF_8));
        Run again = stage("--payload", payload.toString());
        assertEquals(0, again.exit(), again.out());
        assertEquals("jar v2", inside("/bootmedic/bootmedic.jar"), "updated in place");
        assertEquals(ini, inside("/Windows/System32/winpeshl.ini"), "still exactly one hook");
        assertEquals(WINRE_INI, inside("/bootmedic/winpeshl.ini.orig"), "the original winpeshl.ini, not the hooked one");
    }

    @Test
    void removeRestoresTheOriginalBytes() throws Exception {
        String before = sha256(wim);
        assertEquals(0, stage("--payload", payload.toString()).exit());
        assertEquals(0, stage("--payload", payload.toString()).exit());
        assertFalse(before.equals(sha256(wim)));
        Run removed = stage("--remove");
        assertEquals(0, removed.exit(), removed.out());
        assertEquals(before, sha256(wim));
        assertFalse(Files.exists(Path.of(wim + ".bootmedic-original")), "no leftovers beside the image");
        Run twice = stage("--remove");
        assertEquals(1, twice.exit(), "nothing staged any more: " + twice.out());
        assertEquals(before, sha256(wim));
    }

    @Test
    void theSingleAppFormOfWinpeshlIsHookedToo() throws Exception {
        wim = winre("[LaunchApp]\r\nAppPath = %SYSTEMDRIVE%\\sources\\recovery\\recenv.exe\r\n");
        assertEquals(0, stage("--payload", payload.toString()).exit());
        assertEquals("[LaunchApps]\r\n; bootmedic hook: stage-wim.sh / stage-winre.ps1\r\n" + HOOK + "\r\n"
                + "%SYSTEMDRIVE%\\sources\\recovery\\recenv.exe\r\n", inside("/Windows/System32/winpeshl.ini"));
    }

    @Test
    void refusalsNameTheProblemAndLeaveTheImageUnchanged() throws Exception {
        String before = sha256(wim);
        Files.delete(payload.resolve("bootmedic.jar"));
        Run noJar = stage("--payload", payload.toString());
        assertEquals(1, noJar.exit());
        assertTrue(noJar.out().contains("no bootmedic.jar"), noJar.out());
        Files.write(payload.resolve("bootmedic.jar"), new byte[] {1});
        Run badIndex = stage("--payload", payload.toString(), "--index", "7");
        assertEquals(1, badIndex.exit());
        assertTrue(badIndex.out().contains("has no image 7"), badIndex.out());
        Run usage = stage("--payload", payload.toString(), "--index", "x; rm -rf /");
        assertEquals(2, usage.exit(), usage.out());
        assertEquals(before, sha256(wim));
        assertFalse(Files.exists(Path.of(wim + ".bootmedic-original")));

        wim = winre("[LaunchApps]\r\n%SYSTEMDRIVE%\\setup.exe\r\n");
        String plainPe = sha256(wim);
        Run notWinRe = stage("--payload", payload.toString());
        assertEquals(1, notWinRe.exit());
        assertTrue(notWinRe.out().contains("does not look like WinRE"), notWinRe.out());
        assertEquals(plainPe, sha256(wim));
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".bootmedic-tmp")), "no temporary copy left behind");
        }
    }

    @Test
    void theRestOfWinReStaysAndAFileDroppedFromThePayloadLeavesTheImage() throws Exception {
        Files.writeString(payload.resolve("old-tool.txt"), "v1 only");
        assertEquals(0, stage("--payload", payload.toString()).exit());
        assertEquals("v1 only", inside("/bootmedic/old-tool.txt"));
        assertEquals("MZ", inside("/sources/recovery/recenv.exe"), "WinRE's own program is still there");
        assertEquals("regf", inside("/Windows/System32/config/SYSTEM"));
        Files.delete(payload.resolve("old-tool.txt"));
        assertEquals(0, stage("--payload", payload.toString()).exit());
        Run gone = run(tmp, "wimlib-imagex", "extract", wim.toString(), "1", "/bootmedic/old-tool.txt", "--to-stdout");
        assertTrue(gone.exit() != 0, "an update replaces \\bootmedic as a whole: " + gone.out());
        assertEquals("MZ", inside("/sources/recovery/recenv.exe"));
    }

    @Test
    void otherAppsKeepTheirOrderAndAnOlderHookIsReplaced() throws Exception {
        // an OEM tool before recenv.exe, and the hook an earlier version of the script wrote (the .cmd named directly)
        wim = winre("[LaunchApps]\r\n; bootmedic hook: stage-wim.sh / stage-winre.ps1\r\n%SYSTEMDRIVE%\\bootmedic\\bootmedic-winre.cmd\r\n"
                + "%SYSTEMDRIVE%\\oem\\tool.exe, -quiet\r\n%SYSTEMDRIVE%\\sources\\recovery\\recenv.exe\r\n");
        assertEquals(0, stage("--payload", payload.toString()).exit());
        assertEquals("[LaunchApps]\r\n; bootmedic hook: stage-wim.sh / stage-winre.ps1\r\n" + HOOK + "\r\n"
                + "%SYSTEMDRIVE%\\oem\\tool.exe, -quiet\r\n%SYSTEMDRIVE%\\sources\\recovery\\recenv.exe\r\n", inside("/Windows/System32/winpeshl.ini"));
    }
}
