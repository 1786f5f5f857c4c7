package io.bootmedic.winre;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scripts/winre/stage-wim.sh on WIMs that the real wimlib builds from a tree laid out like a real
 * Winre.wim (Windows\System32 with winpeshl.ini as Windows ships it, CRLF; sources\recovery\recenv.exe;
 * a kernel32.dll whose PE header tells wimlib the image's architecture); what lands inside is read back
 * with wimlib-imagex, not with the script's own code.
 */
class StageWimTest {
    static final String SCRIPT = "scripts/winre/stage-wim.sh";
    static final String MARK = "; bootmedic hook: stage-wim.sh / stage-winre.ps1";
    /** winpeshl runs programs: a batch file only through cmd.exe (options after the comma, as the Winpeshl.ini reference shows). */
    static final String HOOK = "%SYSTEMDRIVE%\\Windows\\System32\\cmd.exe, /c %SYSTEMDRIVE%\\bootmedic\\bootmedic-winre.cmd";
    static final String RECENV = "%SYSTEMDRIVE%\\sources\\recovery\\recenv.exe";
    /** WinRE's own winpeshl.ini: one app, recenv.exe, CRLF. */
    static final String WINRE_INI = "[LaunchApps]\r\n" + RECENV + "\r\n";
    /** The hook: the marker above the section (never a ';' line inside [LaunchApps]), our launcher first. */
    static final String HOOKED = MARK + "\r\n[LaunchApps]\r\n" + HOOK + "\r\n" + RECENV + "\r\n";
    static final int X64 = 0x8664, ARM64 = 0xAA64, X86 = 0x14c;

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

    Run stagePayload() throws Exception {
        return stage("--payload", payload.toString());
    }

    String inside(String path) throws Exception {
        Run r = run(tmp, "wimlib-imagex", "extract", wim.toString(), "1", path, "--to-stdout");
        assertEquals(0, r.exit(), r.out());
        return r.out();
    }

    boolean exists(String path) throws Exception {
        return run(tmp, "wimlib-imagex", "dir", wim.toString(), "1", "--path=" + path).exit() == 0;
    }

    /** Every path in the image with the SHA-256 of its content (directories without), read by wimlib. */
    Map<String, String> listing() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("x-" + System.nanoTime()));
        Run r = run(tmp, "wimlib-imagex", "apply", wim.toString(), "1", out.toString());
        assertEquals(0, r.exit(), r.out());
        Map<String, String> all = new TreeMap<>();
        try (var files = Files.walk(out)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                all.put(out.relativize(f).toString(), Files.isRegularFile(f) ? sha256(f) : "dir");
            }
        }
        return all;
    }

    /** The smallest file Windows would call a PE image: MZ, e_lfanew at 0x3c, "PE\0\0", then the Machine field. */
    static byte[] pe(int machine) {
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 'M').put(1, (byte) 'Z').putInt(0x3c, 0x80);
        b.put(0x80, (byte) 'P').put(0x81, (byte) 'E').putShort(0x84, (short) machine);
        return b.array();
    }

    /** A tree shaped like Winre.wim: what winpeshl and wimlib look at, each where Windows has it. */
    Path winreTree(String winpeshl, Integer arch) throws Exception {
        Path tree = tmp.resolve("tree-" + System.nanoTime());
        Path sys32 = Files.createDirectories(tree.resolve("Windows/System32"));
        for (String d : List.of("config", "Recovery", "drivers", "en-US", "WindowsPowerShell/v1.0")) {
            Files.createDirectories(sys32.resolve(d));
        }
        Files.createDirectories(tree.resolve("Windows/Boot/EFI"));
        Files.createDirectories(tree.resolve("Program Files"));
        Files.createDirectories(tree.resolve("sources/recovery/tools"));
        Files.writeString(sys32.resolve("winpeshl.ini"), winpeshl);
        if (arch != null) {
            Files.write(sys32.resolve("kernel32.dll"), pe(arch));
        }
        for (String exe : List.of("cmd.exe", "wpeinit.exe", "wpeutil.exe", "manage-bde.exe", "winpeshl.exe")) {
            Files.write(sys32.resolve(exe), pe(arch == null ? X64 : arch));
        }
        if (arch != null) { // with a SYSTEM hive but no kernel32.dll, wimlib reports x86
            Files.write(sys32.resolve("config/SYSTEM"), new byte[] {'r', 'e', 'g', 'f'});
        }
        Files.writeString(sys32.resolve("Recovery/ReAgent.xml"), "<?xml version='1.0' encoding='utf-8'?>\r\n");
        Files.write(tree.resolve("sources/recovery/recenv.exe"), pe(arch == null ? X64 : arch));
        Files.writeString(tree.resolve("sources/recovery/tools/WinREConfig.xml"), "<WindowsRE/>\r\n");
        return tree;
    }

    Path capture(Path tree) throws Exception {
        Path out = tmp.resolve("winre-" + System.nanoTime() + ".wim");
        Run r = run(tmp, "wimlib-imagex", "capture", tree.toString(), out.toString(), "Microsoft Windows Recovery Environment (x64)");
        assertEquals(0, r.exit(), r.out());
        return out;
    }

    Path winre(String winpeshl) throws Exception {
        return capture(winreTree(winpeshl, X64));
    }

    /** Changes the image the way a WinRE update does: new and replaced files, winpeshl.ini as the update writes it. */
    void update(String winpeshl, String newFile) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("update-" + System.nanoTime()));
        Files.write(dir.resolve("recenv.exe"), pe(X64), StandardOpenOption.CREATE);
        Files.write(dir.resolve("recenv.exe"), "updated".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        Files.writeString(dir.resolve("new.dll"), "fix for " + newFile);
        StringBuilder cmds = new StringBuilder()
                .append("add '").append(dir.resolve("recenv.exe")).append("' /sources/recovery/recenv.exe\n")
                .append("add '").append(dir.resolve("new.dll")).append("' ").append(newFile).append('\n');
        if (winpeshl != null) {
            Files.writeString(dir.resolve("winpeshl.ini"), winpeshl);
            cmds.append("add '").append(dir.resolve("winpeshl.ini")).append("' /Windows/System32/winpeshl.ini\n");
        }
        Files.writeString(dir.resolve("cmds"), cmds);
        Process p = new ProcessBuilder("wimupdate", wim.toString(), "1").redirectInput(dir.resolve("cmds").toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }

    @BeforeEach
    void images() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/wimlib-imagex")), "wimlib is not installed (scripts/setup-debian.sh installs wimtools)");
        wim = winre(WINRE_INI);
        payload = Files.createDirectories(tmp.resolve("payload"));
        Files.createDirectories(payload.resolve("runtime/bin"));
        Files.createDirectories(payload.resolve("native"));
        Files.createDirectories(payload.resolve("trusted-keys"));
        Files.write(payload.resolve("bootmedic.jar"), "jar v1".getBytes(StandardCharsets.UTF_8));
        Files.write(payload.resolve("runtime/bin/java.exe"), pe(X64));
        Files.write(payload.resolve("native/jnidispatch.dll"), pe(X64));
        Files.writeString(payload.resolve("agent.conf"), "collector.url=https://10.0.0.5:8443\n");
        Files.writeString(payload.resolve("trusted-keys/ops.pub"), "ed25519 key\n");
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    void noLeftovers() throws Exception {
        try (var files = Files.list(wim.getParent())) {
            List<String> left = files.map(f -> f.getFileName().toString())
                    .filter(n -> n.startsWith(wim.getFileName().toString()) && !n.equals(wim.getFileName().toString())).toList();
            assertEquals(List.of(), left, "nothing beside the image: no copy of it, no temporary file");
        }
    }

    @Test
    void thePayloadAndOneHookBeforeRecenvAreInsideAndASecondRunUpdatesInPlace() throws Exception {
        Run r = stagePayload();
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("staged the x64 agent"), r.out());
        assertEquals("jar v1", inside("/bootmedic/bootmedic.jar"));
        assertTrue(inside("/bootmedic/trusted-keys/ops.pub").contains("ed25519"));
        assertTrue(inside("/bootmedic/bootmedic-winre.cmd").contains("fix --all"));
        assertTrue(exists("/bootmedic/native/jnidispatch.dll"));
        assertEquals(WINRE_INI, inside("/bootmedic/winpeshl.ini.orig"), "WinRE's own file is kept inside for --remove and -Remove");
        assertEquals(HOOKED, inside("/Windows/System32/winpeshl.ini"));
        noLeftovers();

        Files.write(payload.resolve("bootmedic.jar"), "jar v2".getBytes(StandardCharsets.UTF_8));
        Run again = stagePayload();
        assertEquals(0, again.exit(), again.out());
        assertEquals("jar v2", inside("/bootmedic/bootmedic.jar"), "updated in place");
        assertEquals(HOOKED, inside("/Windows/System32/winpeshl.ini"), "still exactly one hook");
        assertEquals(WINRE_INI, inside("/bootmedic/winpeshl.ini.orig"), "the original winpeshl.ini, not the hooked one");
        noLeftovers();
    }

    @Test
    void aSecondStagingAfterAWinReUpdateAndRemoveKeepEveryUpdate() throws Exception {
        Map<String, String> shipped = listing();
        assertEquals(0, stagePayload().exit());
        // a WinRE update replaces recenv.exe, adds a file and writes its own winpeshl.ini (the hook is gone)
        String updatedIni = "[LaunchApps]\r\n%SYSTEMDRIVE%\\sources\\recovery\\recenv.exe /update\r\n";
        update(updatedIni, "/Windows/System32/kb-one.dll");
        Run again = stagePayload();
        assertEquals(0, again.exit(), again.out());
        assertEquals(MARK + "\r\n[LaunchApps]\r\n" + HOOK + "\r\n%SYSTEMDRIVE%\\sources\\recovery\\recenv.exe /update\r\n",
                inside("/Windows/System32/winpeshl.ini"), "hooked again, once, in front of what the update wrote");
        assertEquals(updatedIni, inside("/bootmedic/winpeshl.ini.orig"), "the update's file is WinRE's own now");
        assertTrue(inside("/sources/recovery/recenv.exe").endsWith("updated"), "the updated recenv.exe stays");

        // a security update after staging that leaves winpeshl.ini alone, then --remove
        update(null, "/Windows/System32/kb-two.dll");
        Run removed = stage("--remove");
        assertEquals(0, removed.exit(), removed.out());
        assertFalse(exists("/bootmedic"), "\\bootmedic is gone");
        assertEquals(updatedIni, inside("/Windows/System32/winpeshl.ini"), "WinRE's own winpeshl.ini, byte for byte");
        assertTrue(inside("/sources/recovery/recenv.exe").endsWith("updated"), "--remove does not undo the update");
        assertEquals("fix for /Windows/System32/kb-one.dll", inside("/Windows/System32/kb-one.dll"));
        assertEquals("fix for /Windows/System32/kb-two.dll", inside("/Windows/System32/kb-two.dll"), "nor the one after staging");
        Map<String, String> now = listing();
        for (String changed : List.of("sources/recovery/recenv.exe", "Windows/System32/winpeshl.ini", "Windows/System32/kb-one.dll", "Windows/System32/kb-two.dll")) {
            shipped.remove(changed);
            now.remove(changed);
        }
        assertEquals(shipped, now, "everything else is as Windows shipped it");
        noLeftovers();

        Run twice = stage("--remove");
        assertEquals(1, twice.exit(), "nothing staged any more: " + twice.out());
        assertTrue(twice.out().contains("no bootmedic hook"), twice.out());
    }

    @Test
    void removeGivesBackWinResOwnIniAndDeletesTheOldCopyAnEarlierVersionKept() throws Exception {
        assertEquals(0, stagePayload().exit());
        Path old = Path.of(wim + ".bootmedic-original");
        Files.writeString(old, "months-old image");
        assertEquals(0, stage("--remove").exit());
        assertEquals(WINRE_INI, inside("/Windows/System32/winpeshl.ini"));
        assertFalse(Files.exists(old), "restoring that copy would undo WinRE's updates");
        noLeftovers();
    }

    @Test
    void removeAfterSomeoneElseChangedWinpeshlTakesOnlyOurLines() throws Exception {
        assertEquals(0, stagePayload().exit());
        // an OEM tool added after staging, in the hooked file
        String edited = HOOKED.replace(RECENV, "%SYSTEMDRIVE%\\oem\\tool.exe\r\n" + RECENV);
        update(edited, "/Windows/System32/oem.dll");
        assertEquals(0, stage("--remove").exit());
        assertEquals("[LaunchApps]\r\n%SYSTEMDRIVE%\\oem\\tool.exe\r\n" + RECENV + "\r\n", inside("/Windows/System32/winpeshl.ini"));
    }

    @Test
    void theSingleAppFormOfWinpeshlIsHookedToo() throws Exception {
        wim = winre("[LaunchApp]\r\nAppPath = %SYSTEMDRIVE%\\sources\\recovery\\recenv.exe\r\n");
        assertEquals(0, stagePayload().exit());
        assertEquals(HOOKED, inside("/Windows/System32/winpeshl.ini"));
    }

    @Test
    void pathsAreFoundWhateverTheirCase() throws Exception {
        Path tree = winreTree(WINRE_INI, X64);
        Files.move(tree.resolve("Windows/System32/winpeshl.ini"), tree.resolve("Windows/System32/WINPESHL.INI"));
        Files.move(tree.resolve("Windows/System32"), tree.resolve("Windows/system32"));
        wim = capture(tree);
        Run r = stagePayload();
        assertEquals(0, r.exit(), r.out());
        assertEquals(HOOKED, inside("/Windows/system32/winpeshl.ini"));
        Run dir = run(tmp, "wimlib-imagex", "dir", wim.toString(), "1", "--path=/Windows");
        assertEquals(1, dir.out().lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).endsWith("winpeshl.ini")).count(), "one winpeshl.ini, not a second beside it: " + dir.out());
    }

    @Test
    void refusalsNameTheProblemAndLeaveTheImageUnchanged() throws Exception {
        String before = sha256(wim);
        Files.delete(payload.resolve("bootmedic.jar"));
        Run noJar = stagePayload();
        assertEquals(1, noJar.exit());
        assertTrue(noJar.out().contains("no bootmedic.jar"), noJar.out());
        Files.write(payload.resolve("bootmedic.jar"), new byte[] {1});

        Files.delete(payload.resolve("native/jnidispatch.dll"));
        Run noNative = stagePayload();
        assertEquals(1, noNative.exit());
        assertTrue(noNative.out().contains("no native/jnidispatch.dll"), noNative.out());
        Files.write(payload.resolve("native/jnidispatch.dll"), "not a dll".getBytes(StandardCharsets.UTF_8));
        Run notPe = stagePayload();
        assertEquals(1, notPe.exit());
        assertTrue(notPe.out().contains("is not a Windows DLL"), notPe.out());
        Files.write(payload.resolve("native/jnidispatch.dll"), pe(X86));
        Run mixed = stagePayload();
        assertEquals(1, mixed.exit());
        assertTrue(mixed.out().contains("the payload's runtime is x64 but native/jnidispatch.dll is x86"), mixed.out());

        Files.write(payload.resolve("native/jnidispatch.dll"), pe(ARM64));
        Files.write(payload.resolve("runtime/bin/java.exe"), pe(ARM64));
        Run wrongArch = stagePayload();
        assertEquals(1, wrongArch.exit());
        assertTrue(wrongArch.out().contains("is a WinRE for x64 but the payload is arm64"), wrongArch.out());
        Files.write(payload.resolve("native/jnidispatch.dll"), pe(X64));
        Files.write(payload.resolve("runtime/bin/java.exe"), pe(X64));

        Run badIndex = stage("--payload", payload.toString(), "--index", "7");
        assertEquals(1, badIndex.exit());
        assertTrue(badIndex.out().contains("has no image 7"), badIndex.out());
        Run usage = stage("--payload", payload.toString(), "--index", "x; rm -rf /");
        assertEquals(2, usage.exit(), usage.out());
        Run notStaged = stage("--remove");
        assertEquals(1, notStaged.exit());
        assertTrue(notStaged.out().contains("no bootmedic hook and no \\bootmedic folder; nothing was changed"), notStaged.out());
        assertEquals(before, sha256(wim));
        noLeftovers();

        for (Run refused : List.of(noJar, noNative, notPe, mixed, wrongArch, badIndex, notStaged)) {
            assertEquals(1, refused.out().strip().lines().count(), "one line: " + refused.out());
        }

        wim = winre("[LaunchApps]\r\n%SYSTEMDRIVE%\\setup.exe\r\n");
        String plainPe = sha256(wim);
        Run notWinRe = stagePayload();
        assertEquals(1, notWinRe.exit());
        assertTrue(notWinRe.out().contains("does not look like WinRE"), notWinRe.out());
        assertEquals(plainPe, sha256(wim));
        noLeftovers();
    }

    @Test
    void theImagesArchitectureDecidesAndAnImageWithoutOneIsStagedWithANote() throws Exception {
        wim = capture(winreTree(WINRE_INI, ARM64));
        Run x64OnArm = stagePayload();
        assertEquals(1, x64OnArm.exit());
        assertTrue(x64OnArm.out().contains("is a WinRE for arm64 but the payload is x64"), x64OnArm.out());
        Files.write(payload.resolve("native/jnidispatch.dll"), pe(ARM64));
        Files.write(payload.resolve("runtime/bin/java.exe"), pe(ARM64));
        Run arm = stagePayload();
        assertEquals(0, arm.exit(), arm.out());
        assertTrue(arm.out().contains("staged the arm64 agent"), arm.out());

        wim = capture(winreTree(WINRE_INI, null));
        Run unknown = stagePayload();
        assertEquals(0, unknown.exit(), unknown.out());
        assertTrue(unknown.out().contains("does not say which architecture"), unknown.out());
    }

    @Test
    void theRestOfWinReStaysAndAFileDroppedFromThePayloadLeavesTheImage() throws Exception {
        Files.writeString(payload.resolve("old-tool.txt"), "v1 only");
        assertEquals(0, stagePayload().exit());
        assertEquals("v1 only", inside("/bootmedic/old-tool.txt"));
        assertTrue(inside("/sources/recovery/recenv.exe").startsWith("MZ"), "WinRE's own program is still there");
        assertEquals("regf", inside("/Windows/System32/config/SYSTEM"));
        Files.delete(payload.resolve("old-tool.txt"));
        assertEquals(0, stagePayload().exit());
        assertFalse(exists("/bootmedic/old-tool.txt"), "an update replaces \\bootmedic as a whole");
        assertTrue(inside("/sources/recovery/recenv.exe").startsWith("MZ"));
    }

    @Test
    void otherAppsKeepTheirOrderAndOlderHooksAreReplaced() throws Exception {
        // the hook the previous version wrote (marker inside the section, cmd.exe line), an OEM tool, and DaRT's quoted lines
        wim = winre("[LaunchApps]\r\n" + MARK + "\r\n" + HOOK + "\r\n%SYSTEMDRIVE%\\oem\\tool.exe, -quiet\r\n"
                + "\"%windir%\\system32\\netstart.exe -network -remount\"\r\n\"" + RECENV + "\"\r\n");
        assertEquals(0, stagePayload().exit());
        assertEquals(MARK + "\r\n[LaunchApps]\r\n" + HOOK + "\r\n%SYSTEMDRIVE%\\oem\\tool.exe, -quiet\r\n"
                + "\"%windir%\\system32\\netstart.exe -network -remount\"\r\n\"" + RECENV + "\"\r\n", inside("/Windows/System32/winpeshl.ini"));
        assertEquals("[LaunchApps]\r\n%SYSTEMDRIVE%\\oem\\tool.exe, -quiet\r\n\"%windir%\\system32\\netstart.exe -network -remount\"\r\n\"" + RECENV + "\"\r\n",
                inside("/bootmedic/winpeshl.ini.orig"), "WinRE's own lines, without the old hook");

        // an even older hook: the .cmd named directly, found by its launcher line, not by the marker
        wim = winre("[LaunchApps]\r\n%SYSTEMDRIVE%\\bootmedic\\bootmedic-winre.cmd\r\n" + RECENV + "\r\n");
        assertEquals(0, stagePayload().exit());
        assertEquals(HOOKED, inside("/Windows/System32/winpeshl.ini"));
        assertEquals(0, stage("--remove").exit());
        assertEquals(WINRE_INI, inside("/Windows/System32/winpeshl.ini"));
    }
}
