package io.bootmedic.rescue;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The rescue ISO (scripts/rescue/build.sh, issue 26) booted for real: scripts/rescue/boot-test.sh
 * starts it as a USB stick in qemu (TCG) with a practice Windows disk on NVMe, unattended, and
 * checks from the host with ntfs-3g's tools that the channel file is in quarantine with the
 * report's SHA-256 and that the report is on the stick's BOOTMEDIC-DATA partition; under OVMF with
 * Secure Boot on and Microsoft's keys, also that the guest kernel said "Secure boot enabled".
 * A second practice disk is BitLocker-encrypted, its key export on the data partition: fixed too,
 * checked by decrypting it on the host. The same as a CD (data volume on a second USB disk) and
 * over the network (qemu's iPXE, HTTP from this host). With a collector: the rescue system gets an
 * address by DHCP, fetches the BitLocker key from a real collector on this host and sends it both
 * reports; without network it says so within its bound and keeps the reports on the stick.
 * 1.5 to 2 minutes per boot on 2 cores. Skipped when the ISO was not built (it needs root and
 * Debian's mirror: sudo scripts/rescue/build.sh) or qemu / OVMF are missing, and under
 * scripts/test.sh (BOOTMEDIC_RESCUE_BOOTS_BY_SCRIPT=1): there the script builds the ISO after Maven
 * and boots it itself (the CI path), so no boot runs twice. This class is for developers.
 */
class RescueMediaBootTest {
    static final Path ISO = Path.of("target/bootmedic-rescue.iso");
    static final Path OVMF_CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.secboot.fd");
    static final Path OVMF_MS_VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.ms.fd");

    @Test
    void bootsUnderSecureBootWithMicrosoftKeysAndFixesThePracticeDisk() throws Exception {
        assumeTrue(Files.isRegularFile(OVMF_CODE) && Files.isRegularFile(OVMF_MS_VARS),
                "skipped: Debian's ovmf is not installed (scripts/setup-debian.sh installs it)");
        String out = boot("uefi-sb");
        assertTrue(out.contains("ok: guest kernel: Secure boot enabled"), out);
        assertTrue(out.contains("ok: the guest's dmesg on BOOTMEDIC-DATA says Secure boot enabled"), out);
    }

    @Test
    void bootsUnderSeaBiosAndFixesThePracticeDisk() throws Exception {
        boot("bios");
    }

    @Test
    void bootsAsACdUnderSecureBootWithTheDataVolumeOnAnotherDisk() throws Exception {
        assumeTrue(Files.isRegularFile(OVMF_CODE) && Files.isRegularFile(OVMF_MS_VARS),
                "skipped: Debian's ovmf is not installed (scripts/setup-debian.sh installs it)");
        String out = boot("cd");
        assertTrue(out.contains("ok: guest kernel: Secure boot enabled"), out);
    }

    @Test
    void reachesTheCollectorOverWiredDhcpForTheKeyAndTheReports() throws Exception {
        assumeTrue(onPath("curl") && onPath("python3"), "skipped: curl and python3 talk to the collector on this host");
        String out = boot("collector");
        assertTrue(out.contains("ok: serial console: the init got an address by DHCP and names the collector"), out);
        assertTrue(out.contains("ok: the collector received 2 report(s)"), out);
        assertTrue(out.contains("ok: the collector released the BitLocker disk's recovery key to the guest"), out);
        assertTrue(out.contains("ok: the stick's outbox is empty"), out);
    }

    @Test
    void keepsTheReportsOnTheStickWhenNoNetworkAnswers() throws Exception {
        assumeTrue(onPath("python3"), "skipped: python3 picks a free port");
        String out = boot("collector-down");
        assertTrue(out.contains("ok: serial console: the init says there is no network and what that means"), out);
        assertTrue(out.contains("ok: the reports stay in the stick's outbox"), out);
        assertTrue(out.contains("ok: the agent gave up on the collector and said where each report waits"), out);
    }

    @Test
    void bootsOverTheNetworkFromIpxe() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of("target/bootmedic-netboot/boot.ipxe")),
                "skipped: target/bootmedic-netboot not built (scripts/rescue/build.sh)");
        assumeTrue(onPath("python3"), "skipped: python3 serves the netboot folder over HTTP");
        boot("pxe");
    }

    private static String boot(String kind) throws Exception {
        assumeTrue(!"1".equals(System.getenv("BOOTMEDIC_RESCUE_BOOTS_BY_SCRIPT")),
                "skipped: scripts/test.sh boots the rescue ISO itself after Maven (scripts/rescue/boot-test.sh)");
        assumeTrue(Files.isRegularFile(ISO), "skipped: " + ISO + " not built (as root: scripts/rescue/build.sh, about 3 minutes with its cache)");
        assumeTrue(onPath("qemu-system-x86_64") && onPath("ntfsls") && onPath("sgdisk"),
                "skipped: qemu-system-x86, ntfs-3g or gdisk missing (scripts/setup-debian.sh installs them)");
        Path log = Files.createTempFile("bootmedic-boot-test-" + kind, ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder("/bin/bash", "scripts/rescue/boot-test.sh", kind)
                    .directory(new File(System.getProperty("user.dir")))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            // the BitLocker practice disk is made by bench.BitLockerDisk from these test classes
            pb.environment().put("BOOTMEDIC_TEST_CLASSPATH", System.getProperty("java.class.path"));
            Process p = pb.start();
            boolean done = p.waitFor(15, TimeUnit.MINUTES);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(done, "boot test still running after 15 minutes:\n" + out);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("[" + kind + "] PASSED"), out);
            assertTrue(out.contains("ok: its SHA-256 is the report's"), out);
            assertTrue(out.contains("ok: BitLocker disk: the channel file is in bootmedic/quarantine/"), out);
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
