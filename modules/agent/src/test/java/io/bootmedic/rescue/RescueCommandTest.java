package io.bootmedic.rescue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bootmedic.testutil.Cli;
import io.bootmedic.testutil.EncryptedPracticeVolume;
import io.bootmedic.testutil.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 'bootmedic rescue' as scripts/rescue/init runs it, over practice disk images standing in for block
 * devices (a fake /sys describes them, --dev-dir holds the images under the kernel's names).
 */
class RescueCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path shared;
    static Path practice;

    @TempDir
    Path tmp;
    Path sys;
    Path dev;
    Path data;
    Path decision;
    private InputStream stdin;

    @BeforeAll
    static void practiceDisk() throws Exception {
        practice = Tools.practiceDisk(shared.resolve("practice.img"), 256);
        Cli fill = Cli.run("practice-tree", "--image", practice.toString());
        assertEquals(0, fill.exit, fill.toString());
    }

    @BeforeEach
    void machine() throws IOException {
        sys = Files.createDirectories(tmp.resolve("sys/block"));
        dev = Files.createDirectories(tmp.resolve("dev"));
        data = Files.createDirectories(tmp.resolve("data"));
        decision = tmp.resolve("bootmedic-after");
        stdin = System.in;
    }

    @AfterEach
    void restoreStdin() {
        System.setIn(stdin);
    }

    /** A disk on a controller bound to {@code driver}, its image copied (sparse) to dev/NAME. */
    private Path disk(String name, String driver, Path image) throws IOException, InterruptedException {
        Path devices = sys.getParent().resolve("devices/pci0000:00/0000:00:0" + Math.abs(name.hashCode() % 10) + "." + name.length());
        Path dir = Files.createDirectories(devices.resolve("host0/target0:0:0/0:0:0:0/block").resolve(name));
        if (!Files.exists(devices.resolve("driver"))) {
            Files.createSymbolicLink(devices.resolve("driver"), Path.of("/sys/bus/pci/drivers").resolve(driver));
        }
        Path file = dev.resolve(name);
        if (image == null) {
            Tools.ok("truncate", "-s", "4M", file.toString());
        } else {
            Tools.ok("cp", "--sparse=always", image.toString(), file.toString());
        }
        Files.writeString(dir.resolve("size"), Long.toString(Files.size(file) / 512));
        Files.createSymbolicLink(sys.resolve(name), sys.relativize(dir));
        return file;
    }

    private Cli rescue(String typed, String... args) {
        System.setIn(new ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8)));
        List<String> all = new ArrayList<>(List.of("rescue", "--data", data.toString(), "--decision", decision.toString(),
                "--sysfs", sys.getParent().toString(), "--dev-dir", dev.toString()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    private List<Path> reports(String disk) throws IOException {
        try (Stream<Path> s = Files.list(data.resolve("bootmedic/reports"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("rescue-" + disk + "-")).toList();
        }
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private String after() throws IOException {
        return Files.readString(decision);
    }

    @Test
    void unattendedFixesEveryDiskButTheStickOneReportEach() throws Exception {
        disk("vda", "virtio_blk", practice);
        Path stick = disk("sdb", "usb-storage", practice); // a Windows with the faulty file: fixed if it were ever touched
        disk("nvme0n1", "nvme", null);
        String stickBefore = sha256(stick);

        Cli run = rescue("", "--unattended", "--after", "poweroff", "--medium-disk", stick.toString());

        assertEquals(0, run.exit, run.toString());
        assertTrue(run.out.lines().anyMatch("bootmedic-rescue: BANNER FIXED"::equals), "the line boot-test.sh greps: " + run);
        assertTrue(run.out.contains("   FIXED"), "WinPE's banner");
        assertEquals("poweroff\n", after());
        JsonNode vda = JSON.readTree(reports("vda").get(0).toFile());
        assertEquals("fixed", vda.get("outcome").asText());
        assertEquals("device", vda.get("mode").asText());
        assertEquals("quarantined", vda.get("volumes").get(0).get("actions").get(0).get("action").asText());
        assertEquals("no-windows", JSON.readTree(reports("nvme0n1").get(0).toFile()).get("outcome").asText(),
                "an empty disk beside the fixed one does not turn the banner into NO WINDOWS FOUND");
        assertEquals(List.of(), reports("sdb"));
        assertEquals(stickBefore, sha256(stick), "the stick's own disk is never opened");
        assertTrue(run.out.contains("sdb: the stick bootmedic started from, not looked at"), run.out);
        assertTrue(Files.isDirectory(data.resolve("bootmedic/quarantine")));
        try (Stream<Path> logs = Files.list(data.resolve("bootmedic/logs"))) {
            String log = Files.readString(logs.findFirst().orElseThrow());
            assertTrue(log.contains("bootmedic-rescue: BANNER FIXED"), log);
            assertTrue(log.contains("quarantined"), "the per-disk table is in the log too: " + log);
        }
    }

    @Test
    void anRstMemberIsRefusedNeverWrittenAndTheMachineDoesNotRestart() throws Exception {
        disk("vda", "virtio_blk", practice);
        Path member = disk("sda", "ahci", practice);
        try (var ch = java.nio.channels.FileChannel.open(member, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap("Intel Raid ISM Cfg Sig. ".getBytes(StandardCharsets.US_ASCII)), Files.size(member) - 1024);
        }
        String before = sha256(member);

        Cli run = rescue("", "--unattended", "--after", "reboot", "--countdown", "1");

        assertEquals(1, run.exit, run.toString());
        assertTrue(run.out.contains("sda  256.0 MiB  SATA (AHCI) (ahci)  REFUSED: an Intel RST RAID member (IMSM metadata)"), run.out);
        assertTrue(run.out.contains("Boot WinPE with the Intel RST"), run.out);
        assertTrue(run.out.lines().anyMatch("bootmedic-rescue: BANNER FAILED"::equals), run.out);
        assertTrue(run.out.contains("RAID member disk(s) refused"), run.out);
        assertTrue(run.out.contains("Not restarting: FAILED needs someone to read this screen"), run.out);
        assertEquals("shell\n", after());
        assertEquals(before, sha256(member));
        assertEquals(List.of(), reports("sda"));
        assertEquals("fixed", JSON.readTree(reports("vda").get(0).toFile()).get("outcome").asText(), "the other disk is still fixed");
    }

    @Test
    void anyKeyDuringTheCountdownCancelsTheRestart() throws Exception {
        disk("vda", "virtio_blk", practice);
        Cli run = rescue("x", "--unattended", "--countdown", "2");
        assertEquals(0, run.exit, run.toString());
        assertTrue(run.out.contains("Restart cancelled"), run.out);
        assertEquals("shell\n", after());
    }

    @Test
    void theCountdownRunsOutIntoARestart() throws Exception {
        disk("vda", "virtio_blk", practice);
        Cli run = rescue("", "--unattended", "--countdown", "1");
        assertTrue(run.out.contains("Restarting now."), run.out);
        assertEquals("reboot\n", after());
    }

    @Test
    void theMenuLooksFirstAndFixesOnlyWhenAsked() throws Exception {
        Path vda = disk("vda", "virtio_blk", practice);
        disk("sdb", "usb-storage", null);
        String before = sha256(vda);

        Cli looked = rescue("", "--data-disk", dev.resolve("sdb").toString()); // end of input: no choice
        assertEquals(0, looked.exit, looked.toString());
        assertTrue(looked.out.contains(" 1  vda  256.0 MiB  virtio-blk (virtio_blk)"), looked.out);
        assertTrue(looked.out.contains("not encrypted  FAULTY FILE FOUND: fix it"), looked.out);
        assertTrue(looked.out.contains("nothing was fixed without a choice"), looked.out);
        assertTrue(looked.out.contains("  (sdb: holds BOOTMEDIC-DATA, not looked at)"), "under the menu's list too: " + looked.out);
        assertEquals("shell\n", after());
        assertEquals(before, sha256(vda), "looking changes nothing");
        assertEquals(List.of(), reports("vda"));

        Cli fixed = rescue("2\n1\n6\n", "--data-disk", dev.resolve("sdb").toString());
        assertEquals(0, fixed.exit, fixed.toString());
        assertEquals("fixed", JSON.readTree(reports("vda").get(0).toFile()).get("outcome").asText());
        assertTrue(fixed.out.contains("not encrypted  nothing to fix"), "the screen after the fix: " + fixed.out);
        assertEquals("reboot\n", after());
    }

    @Test
    void aRecoveryPasswordTypedWithAMistakeOpensTheVolumeAndIsNeverWrittenDown() throws Exception {
        Path encrypted = EncryptedPracticeVolume.make(tmp);
        disk("vda", "virtio_blk", encrypted);
        String[] groups = EncryptedPracticeVolume.RECOVERY_PASSWORD.split("-");
        // first a well-formed password of another volume: tried, said not to open, forgotten
        StringBuilder typed = new StringBuilder("3\n111111-222222-333333-444444-555555-666666-000011-000022\n3\n");
        for (int g = 0; g < 8; g++) {
            if (g == 3) {
                typed.append("123456\n"); // not divisible by 11: named and asked again
            }
            typed.append(groups[g]).append('\n');
        }
        typed.append("1\n7\n");

        Cli run = rescue(typed.toString());

        assertEquals(0, run.exit, run.toString());
        assertTrue(run.out.contains("BitLocker LOCKED  needs its recovery key"), run.out);
        assertTrue(run.out.toUpperCase(java.util.Locale.ROOT).contains(EncryptedPracticeVolume.RECOVERY_KEY_ID), "the key ID to look up: " + run.out);
        assertTrue(run.out.contains("That recovery password does not open"), run.out);
        assertTrue(run.out.contains("group 4 is wrong (not divisible by 11): type group 4 again"), run.out);
        assertTrue(run.out.contains("The recovery password opens"), run.out);
        assertEquals("poweroff\n", after());
        Path report = reports("vda").get(0);
        JsonNode r = JSON.readTree(report.toFile());
        assertEquals("fixed", r.get("outcome").asText(), run.toString());
        assertEquals("typed", r.get("volumes").get(0).get("bitlocker").get("keySource").asText());
        List<String> written = new ArrayList<>(List.of(run.out, run.err, Files.readString(report)));
        try (Stream<Path> logs = Files.list(data.resolve("bootmedic/logs"))) {
            for (Path log : logs.toList()) {
                written.add(Files.readString(log));
            }
        }
        for (String text : written) {
            for (String group : groups) {
                assertFalse(text.contains(group), "a group of the recovery password was written down: " + group);
            }
        }
    }

    @Test
    void badOptionsAreOneLineAndNoDecision() throws Exception {
        Cli bad = rescue("", "--unattended", "--after", "halt");
        assertEquals(2, bad.exit, bad.toString());
        assertTrue(bad.err.contains("--after takes reboot, poweroff or shell, not 'halt'"), bad.err);
        assertFalse(Files.exists(decision));
        Cli noData = Cli.run("rescue", "--data", tmp.resolve("missing").toString());
        assertEquals(2, noData.exit, noData.toString());
        assertTrue(noData.err.contains("is not a folder"), noData.err);
    }
}
