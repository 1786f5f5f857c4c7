package io.bootmedic.massremediation;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scripts/lib/worker-fix.sh, the part that runs on the worker, with a fake bootmedic (and az) on PATH. */
class WorkerFixScriptTest {
    static final String SCRIPT = "scripts/lib/worker-fix.sh";

    @TempDir
    Path tmp;
    FakeCli fake;
    Path disk;

    @BeforeEach
    void worker() throws Exception {
        fake = new FakeCli(tmp, "az");
        // the fake bootmedic: its arguments, and the mode and content of a --bek file while it runs
        Path bootmedic = tmp.resolve("bin/bootmedic");
        Files.writeString(bootmedic, """
                #!/usr/bin/env bash
                echo "$*" > "$FAKE_OUT/bootmedic.argv"
                while [ $# -gt 0 ]; do
                  if [ "$1" = --bek ]; then stat -c %a "$2" > "$FAKE_OUT/bek.mode"; cp "$2" "$FAKE_OUT/bek.copy"; echo "$2" > "$FAKE_OUT/bek.path"; fi
                  shift
                done
                exit "${FAKE_EXIT:-0}"
                """);
        Files.setPosixFilePermissions(bootmedic, PosixFilePermissions.fromString("rwx------"));
        disk = Files.writeString(tmp.resolve("sdc"), "disk");
    }

    private FakeCli.Result worker(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", SCRIPT));
        cmd.addAll(List.of(args));
        Map<String, String> all = new java.util.HashMap<>(Map.of("FAKE_OUT", tmp.toString(), "BOOTMEDIC_WAIT_SECONDS", "0"));
        all.putAll(env);
        return fake.run(all, cmd.toArray(String[]::new));
    }

    private String argv() throws Exception {
        return Files.readString(tmp.resolve("bootmedic.argv")).strip();
    }

    @Test
    void findsTheAzureLunAndPassesTheCollectorConfig() throws Exception {
        Path lunDir = Files.createDirectories(tmp.resolve("root/dev/disk/azure/scsi1"));
        Files.createSymbolicLink(lunDir.resolve("lun10"), disk);

        FakeCli.Result r = worker(Map.of("BOOTMEDIC_DEV_PREFIX", tmp.resolve("root").toString()),
                "--azure-lun", "10", "--config", "/etc/bootmedic/agent.conf", "--bootmedic", "bootmedic");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("fix --device " + disk.toRealPath() + " --config /etc/bootmedic/agent.conf", argv());
        assertTrue(r.out().contains("BOOTMEDIC_DEVICE=" + disk.toRealPath()), r.out());
        assertTrue(r.out().strip().endsWith("BOOTMEDIC_EXIT=0"), r.out());
    }

    @Test
    void findsTheNitroNvmeNameOfAnEbsVolume() throws Exception {
        Path byId = Files.createDirectories(tmp.resolve("root/dev/disk/by-id"));
        Files.createSymbolicLink(byId.resolve("nvme-Amazon_Elastic_Block_Store_vol0123abcd"), disk);

        FakeCli.Result r = worker(Map.of("BOOTMEDIC_DEV_PREFIX", tmp.resolve("root").toString()),
                "--ebs-volume", "vol-0123abcd", "--ebs-device", "/dev/sdf", "--dry-run");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("fix --device " + disk.toRealPath() + " --dry-run", argv());
    }

    @Test
    void passesBootmedicsExitCodeOn() throws Exception {
        FakeCli.Result r = worker(Map.of("FAKE_EXIT", "3"), "--device", disk.toString());

        assertEquals(3, r.exit(), r.toString());
        assertTrue(r.out().strip().endsWith("BOOTMEDIC_EXIT=3"), r.out());
    }

    @Test
    void aDiskThatNeverAppearsIsReportedWithoutRunningBootmedic() throws Exception {
        FakeCli.Result r = worker(Map.of("BOOTMEDIC_DEV_PREFIX", tmp.resolve("empty").toString()), "--azure-lun", "7");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("did not appear"), r.err());
        assertTrue(r.out().contains("BOOTMEDIC_EXIT=1"), r.out());
        assertFalse(Files.exists(tmp.resolve("bootmedic.argv")));
    }

    @Test
    void bekFromKeyVaultIsAPrivateFileThatIsGoneAfterwards() throws Exception {
        byte[] bek = {0x2c, 0x00, 0x00, 0x00, 0x01, 0x00, (byte) 0xff, 0x42, 0x45, 0x4b};
        String base64 = Base64.getEncoder().encodeToString(bek);
        String url = "https://vault1.vault.azure.net/secrets/bek-vm1/0123";
        fake.on("az", "keyvault secret show --id " + url, base64 + "\n");

        FakeCli.Result r = worker(Map.of(), "--device", disk.toString(), "--bek-secret-url", url);

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("az login --identity --allow-no-subscriptions --only-show-errors",
                "az keyvault secret show --id " + url + " --query value -o tsv --only-show-errors"), fake.calls());
        assertEquals("600", Files.readString(tmp.resolve("bek.mode")).strip());
        assertTrue(java.util.Arrays.equals(bek, Files.readAllBytes(tmp.resolve("bek.copy"))), "the BEK is the base64-decoded secret");
        Path used = Path.of(Files.readString(tmp.resolve("bek.path")).strip());
        assertFalse(Files.exists(used), "the BEK file is removed after the run");
        assertTrue(argv().startsWith("fix --device " + disk.toRealPath() + " --bek "), argv());
        assertFalse(r.all().contains(base64), "secret printed");
    }

    @Test
    void unreadableBekSecretStopsWithExit3() throws Exception {
        fake.fail("az", "keyvault secret show", "ERROR: (Forbidden) The user, group or application does not have secrets get permission");

        FakeCli.Result r = worker(Map.of(), "--device", disk.toString(), "--bek-secret-url", "https://v.vault.azure.net/secrets/s/1");

        assertEquals(3, r.exit(), r.toString());
        assertTrue(r.err().contains("could not read the BEK secret"), r.err());
        assertFalse(Files.exists(tmp.resolve("bootmedic.argv")), "bootmedic does not run without its key");
    }

    @Test
    void aBekFileLeftByTheDriverIsUsedAndRemoved() throws Exception {
        Path bek = Files.write(tmp.resolve("vm1.BEK"), "key".getBytes(StandardCharsets.US_ASCII));

        FakeCli.Result r = worker(Map.of(), "--device", disk.toString(), "--bek-file", bek.toString());

        assertEquals(0, r.exit(), r.toString());
        assertEquals("600", Files.readString(tmp.resolve("bek.mode")).strip());
        assertFalse(Files.exists(bek));
    }
}
