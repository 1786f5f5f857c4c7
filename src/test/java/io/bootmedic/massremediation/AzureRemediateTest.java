package io.bootmedic.massremediation;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scripts/azure/remediate.sh against a fake 'az' (and 'ssh'): which calls, in which order, and what happens on failure. */
class AzureRemediateTest {
    static final String SCRIPT = "scripts/azure/remediate.sh";
    static final String DISK1 = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/disks/vm1_OsDisk_1";
    static final String SNAP1 = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/snapshots/vm1_OsDisk_1-bm-20240719-0600-snap";
    static final String FIXED1 = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/disks/vm1_OsDisk_1-bm-20240719-0600-fixed";
    static final String VM_QUERY = "--query [storageProfile.osDisk.managedDisk.id, storageProfile.osDisk.name, location, zones[0] || '', storageProfile.osDisk.osType] -o tsv";
    static final String DISK_QUERY = "--query [sku.name, hyperVGeneration || '', encryptionSettingsCollection.encryptionSettings[0].diskEncryptionKey.secretUrl || '', "
            + "encryptionSettingsCollection.encryptionSettings[0].keyEncryptionKey.keyUrl || ''] -o tsv";
    static final String BEK_URL = "https://vault1.vault.azure.net/secrets/bek-vm1/0123456789abcdef";

    @TempDir
    Path tmp;
    FakeCli fake;

    @BeforeEach
    void cloud() throws Exception {
        fake = new FakeCli(tmp, "az", "ssh");
        fake.on("az", "account show", "s1\n")
                .on("az", "vm show --resource-group wrg --name worker", "westeurope\n1\n")
                .on("az", "vm show --resource-group rg1 --name vm1", DISK1 + "\nvm1_OsDisk_1\nwesteurope\n1\nWindows\n")
                .on("az", "snapshot create", SNAP1 + "\n")
                .on("az", "disk create", FIXED1 + "\n");
    }

    private void plainDisk() throws Exception {
        fake.on("az", "disk show --ids " + DISK1, "Premium_LRS\nV2\n\n\n");
    }

    private void workerSays(String message) throws Exception {
        fake.on("az", "vm run-command invoke", "Enable succeeded: \n[stdout]\n" + message + "\n[stderr]\n\n");
    }

    private FakeCli.Result fixVm1(String... extra) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", SCRIPT, "fix", "--resource-group", "rg1", "--vm", "vm1",
                "--worker-group", "wrg", "--worker", "worker", "--record", tmp.resolve("runs.tsv").toString()));
        cmd.addAll(List.of(extra));
        return fake.run(cmd.toArray(String[]::new));
    }

    /** The worker script's arguments, decoded from the base64 payload of the run-command call. */
    private static String workerArgs(String runCommandCall) {
        Matcher m = Pattern.compile("echo ([A-Za-z0-9+/=]+) \\| base64 -d").matcher(runCommandCall);
        assertTrue(m.find(), runCommandCall);
        String script = new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8);
        return script.lines().filter(l -> l.startsWith("set --")).findFirst().orElseThrow();
    }

    @Test
    void fixRunsTheWholeSequenceInOrderAndKeepsTheOriginalForRollback() throws Exception {
        plainDisk();
        workerSays("BOOTMEDIC_DEVICE=/dev/sdc\nFIXED\nBOOTMEDIC_EXIT=0");

        FakeCli.Result r = fixVm1("--config", "/etc/bootmedic/agent.conf");

        assertEquals(0, r.exit(), r.toString());
        List<String> calls = fake.calls();
        assertEquals(List.of(
                "az account show --query id -o tsv",
                "az vm show --resource-group wrg --name worker --query [location, zones[0] || ''] -o tsv",
                "az vm show --resource-group rg1 --name vm1 " + VM_QUERY,
                "az disk show --ids " + DISK1 + " " + DISK_QUERY,
                "az vm deallocate --resource-group rg1 --name vm1",
                "az snapshot create --resource-group rg1 --name vm1_OsDisk_1-bm-20240719-0600-snap --source " + DISK1
                        + " --location westeurope --tags bootmedic-vm=vm1 bootmedic-source-disk=vm1_OsDisk_1 --query id -o tsv",
                "az disk create --resource-group rg1 --name vm1_OsDisk_1-bm-20240719-0600-fixed --source " + SNAP1
                        + " --location westeurope --sku Premium_LRS --zone 1 --hyper-v-generation V2"
                        + " --tags bootmedic-vm=vm1 bootmedic-source-disk=vm1_OsDisk_1 --query id -o tsv",
                "az vm disk attach --resource-group wrg --vm-name worker --name " + FIXED1 + " --lun 10",
                calls.get(8),
                "az vm disk detach --resource-group wrg --vm-name worker --name vm1_OsDisk_1-bm-20240719-0600-fixed",
                "az vm update --resource-group rg1 --name vm1 --os-disk " + FIXED1 + " --set tags.bootmedicOriginalOsDisk=" + DISK1,
                "az vm start --resource-group rg1 --name vm1"), calls);
        assertTrue(calls.get(8).startsWith("az vm run-command invoke --resource-group wrg --name worker --command-id RunShellScript --scripts "), calls.get(8));
        assertEquals("set -- --azure-lun 10 --config /etc/bootmedic/agent.conf", workerArgs(calls.get(8)));
        assertTrue(r.out().contains("FIXED rg1/vm1"), r.out());
        assertTrue(r.out().contains("rollback --resource-group rg1 --vm vm1"), r.out());
        String record = Files.readString(tmp.resolve("runs.tsv"));
        assertTrue(record.contains("rg1\tvm1\tfixed\tstart\t" + DISK1 + "\t" + SNAP1 + "\t" + FIXED1), record);
    }

    @Test
    void dryRunListsEveryVmAndChangesNothing() throws Exception {
        fake.on("az", "vm list --resource-group rg1", "rg1\tvm1\nrg1\tvm2\n")
                .on("az", "vm show --resource-group rg1 --name vm2", "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/disks/vm2_os\nvm2_os\nwesteurope\n1\nWindows\n")
                .on("az", "disk show --ids /subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/disks/vm2_os", "StandardSSD_LRS\nV1\n" + BEK_URL + "\n\n");
        plainDisk();

        FakeCli.Result r = fake.run("bash", SCRIPT, "fix", "--resource-group", "rg1", "--worker-group", "wrg", "--worker", "worker", "--dry-run",
                "--record", tmp.resolve("runs.tsv").toString());

        assertEquals(0, r.exit(), r.toString());
        List<String> calls = fake.calls();
        assertEquals(List.of(), FakeCli.mutating(calls), "a dry run makes no change");
        assertEquals(7, calls.size(), String.join("\n", calls));
        assertTrue(calls.stream().allMatch(c -> c.matches("az (account show|vm show|vm list|disk show) .*")), String.join("\n", calls));
        assertTrue(r.out().contains("PLAN rg1/vm1 (OS disk vm1_OsDisk_1, Premium_LRS, zone 1)"), r.out());
        assertTrue(r.out().contains("PLAN rg1/vm2 (OS disk vm2_os, StandardSSD_LRS, zone 1, Azure Disk Encryption)"), r.out());
        assertTrue(r.out().contains("BEK from Key Vault (https://vault1.vault.azure.net)"), r.out());
        assertTrue(r.out().contains("DRY RUN: nothing was changed"), r.out());
        assertFalse(Files.exists(tmp.resolve("runs.tsv")), "a dry run records nothing");
    }

    @Test
    void attachFailureLeavesTheOriginalDiskAndSaysHowToGetBack() throws Exception {
        plainDisk();
        fake.fail("az", "vm disk attach", "ERROR: (OperationNotAllowed) The maximum number of data disks allowed to be attached to a VM of this size is 4.");

        FakeCli.Result r = fixVm1();

        assertEquals(1, r.exit(), r.toString());
        List<String> calls = fake.calls();
        assertTrue(calls.get(calls.size() - 1).startsWith("az vm disk attach"), "nothing after the failed attach:\n" + String.join("\n", calls));
        assertTrue(calls.stream().noneMatch(c -> c.startsWith("az vm update") || c.startsWith("az vm start") || c.contains("run-command")), String.join("\n", calls));
        assertTrue(r.out().contains("FAILED rg1/vm1 at step 'attach'"), r.out());
        assertTrue(r.out().contains("original OS disk vm1_OsDisk_1 is untouched"), r.out());
        assertTrue(r.out().contains("az vm start -g rg1 -n vm1"), r.out());
        assertTrue(r.out().contains("az disk delete --ids " + FIXED1 + " --yes"), r.out());
        assertTrue(Files.readString(tmp.resolve("runs.tsv")).contains("rg1\tvm1\tfailed\tattach\t"));
    }

    @Test
    void bootmedicFailureOnTheWorkerDetachesTheCopyAndNeverSwaps() throws Exception {
        plainDisk();
        workerSays("worker-fix: ...\nBitLocker volume locked\nBOOTMEDIC_EXIT=3");

        FakeCli.Result r = fixVm1();

        assertEquals(1, r.exit(), r.toString());
        List<String> calls = fake.calls();
        assertEquals("az vm disk detach --resource-group wrg --vm-name worker --name vm1_OsDisk_1-bm-20240719-0600-fixed", calls.get(calls.size() - 1));
        assertTrue(calls.stream().noneMatch(c -> c.startsWith("az vm update") || c.startsWith("az vm start")), String.join("\n", calls));
        assertTrue(r.all().contains("exit 3: BitLocker locked"), r.all());
        assertTrue(r.out().contains("FAILED rg1/vm1 at step 'bootmedic'"), r.out());
        assertTrue(r.out().contains("untouched"), r.out());
    }

    @Test
    void noResultFromTheWorkerCountsAsFailure() throws Exception {
        plainDisk();
        workerSays("bash: java: command not found");

        FakeCli.Result r = fixVm1();

        assertEquals(1, r.exit(), r.toString());
        assertTrue(fake.calls().stream().noneMatch(c -> c.startsWith("az vm update")));
        assertTrue(r.all().contains("no result from the worker"), r.all());
    }

    @Test
    void startFailureAfterTheSwapPointsToRollback() throws Exception {
        plainDisk();
        workerSays("BOOTMEDIC_EXIT=0");
        fake.fail("az", "vm start", "ERROR: AllocationFailed");

        FakeCli.Result r = fixVm1();

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.out().contains("FAILED rg1/vm1 at step 'start'"), r.out());
        assertTrue(r.out().contains("rollback --resource-group rg1 --vm vm1"), r.out());
        assertFalse(r.out().contains("untouched"), r.out());
    }

    @Test
    void azureDiskEncryptionViaRunCommandLetsTheWorkerFetchTheBek() throws Exception {
        fake.on("az", "disk show --ids " + DISK1, "Premium_LRS\nV2\n" + BEK_URL + "\n\n");
        workerSays("BOOTMEDIC_EXIT=0");

        FakeCli.Result r = fixVm1();

        assertEquals(0, r.exit(), r.toString());
        String run = fake.calls().stream().filter(c -> c.contains("run-command")).findFirst().orElseThrow();
        assertEquals("set -- --azure-lun 10 --bek-secret-url " + BEK_URL, workerArgs(run));
        assertTrue(fake.calls().stream().noneMatch(c -> c.contains("keyvault")), "the admin side never reads the secret in this mode");
    }

    @Test
    void azureDiskEncryptionViaSshPipesTheBekAndNeverShowsIt() throws Exception {
        String bek = "BEK-KEY-MATERIAL-0123";
        String bekBase64 = Base64.getEncoder().encodeToString(bek.getBytes(StandardCharsets.US_ASCII));
        fake.on("az", "disk show --ids " + DISK1, "Premium_LRS\nV2\n" + BEK_URL + "\n\n")
                .on("az", "keyvault secret show --id " + BEK_URL, bekBase64 + "\n")
                .on("ssh", "-o BatchMode=yes admin@10.0.0.4 sudo bash -s", "BOOTMEDIC_DEVICE=/dev/sdc\nBOOTMEDIC_EXIT=0\n");

        FakeCli.Result r = fixVm1("--via", "ssh", "--ssh", "admin@10.0.0.4");

        assertEquals(0, r.exit(), r.toString());
        List<String> calls = fake.calls();
        int deliver = -1;
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).startsWith("ssh ") && calls.get(i).contains("umask 077; cat > /run/bootmedic-vm1.BEK")) {
                deliver = i;
            }
        }
        assertTrue(deliver > 0, String.join("\n", calls));
        assertEquals(bek, fake.stdinOf(deliver), "the BEK reaches the worker on ssh's standard input, decoded");
        String run = "ssh -o BatchMode=yes admin@10.0.0.4 sudo bash -s -- --azure-lun 10 --bek-file /run/bootmedic-vm1.BEK";
        int runAt = calls.indexOf(run);
        assertTrue(runAt > deliver, String.join("\n", calls));
        assertTrue(fake.stdinOf(runAt).contains("BOOTMEDIC_EXIT="), "the worker script goes on ssh's standard input");
        for (String c : calls) {
            assertFalse(c.contains(bek) || c.contains(bekBase64), "secret on a command line: " + c);
        }
        assertFalse(r.all().contains(bek) || r.all().contains(bekBase64), "secret printed:\n" + r.all());
        assertTrue(calls.stream().anyMatch(c -> c.startsWith("az vm update")));
    }

    @Test
    void keyEncryptionKeyIsRefusedBeforeAnyChange() throws Exception {
        fake.on("az", "disk show --ids " + DISK1, "Premium_LRS\nV2\n" + BEK_URL + "\nhttps://vault1.vault.azure.net/keys/kek/1\n");

        FakeCli.Result r = fixVm1();

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of(), FakeCli.mutating(fake.calls()));
        assertTrue(r.err().contains("key-encryption key (KEK)"), r.err());
    }

    @Test
    void vmInAnotherZoneThanTheWorkerIsRefusedBeforeAnyChange() throws Exception {
        fake.on("az", "vm show --resource-group rg2 --name vm9", "/subscriptions/s1/x/disks/vm9_os\nvm9_os\nwesteurope\n3\nWindows\n")
                .on("az", "disk show", "Premium_LRS\nV2\n\n\n");
        Path csv = Files.writeString(tmp.resolve("vms.csv"), "resource_group,vm_name\nrg2,vm9\n");

        FakeCli.Result r = fake.run("bash", SCRIPT, "fix", "--csv", csv.toString(), "--worker-group", "wrg", "--worker", "worker");

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of(), FakeCli.mutating(fake.calls()));
        assertTrue(r.err().contains("zone 3, the worker in westeurope zone 1"), r.err());
    }

    @Test
    void rollbackPutsTheOriginalDiskBack() throws Exception {
        fake.on("az", "vm show --resource-group rg1 --name vm1 --query tags.bootmedicOriginalOsDisk", DISK1 + "\n")
                .on("az", "vm show --resource-group rg1 --name vm1 --query storageProfile.osDisk.managedDisk.id", FIXED1 + "\n");

        FakeCli.Result r = fake.run("bash", SCRIPT, "rollback", "--resource-group", "rg1", "--vm", "vm1");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of(
                "az vm show --resource-group rg1 --name vm1 --query tags.bootmedicOriginalOsDisk || '' -o tsv",
                "az vm show --resource-group rg1 --name vm1 --query storageProfile.osDisk.managedDisk.id -o tsv",
                "az vm deallocate --resource-group rg1 --name vm1",
                "az vm update --resource-group rg1 --name vm1 --os-disk " + DISK1 + " --remove tags.bootmedicOriginalOsDisk",
                "az vm start --resource-group rg1 --name vm1"), fake.calls());
        assertTrue(r.out().contains("ROLLED BACK rg1/vm1"), r.out());
    }

    @Test
    void rollbackOfAVmThatWasNeverSwappedChangesNothing() throws Exception {
        fake.on("az", "vm show --resource-group rg1 --name vm1 --query tags.bootmedicOriginalOsDisk", "\n")
                .on("az", "vm show --resource-group rg1 --name vm1 --query storageProfile.osDisk.managedDisk.id", DISK1 + "\n");

        FakeCli.Result r = fake.run("bash", SCRIPT, "rollback", "--resource-group", "rg1", "--vm", "vm1");

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of(), FakeCli.mutating(fake.calls()));
        assertTrue(r.err().contains("no tag bootmedicOriginalOsDisk"), r.err());
    }

    @Test
    void missingWorkerIsAUsageError() throws Exception {
        FakeCli.Result r = fake.run("bash", SCRIPT, "fix", "--resource-group", "rg1");
        assertEquals(2, r.exit(), r.toString());
        assertEquals(List.of(), fake.calls());
    }
}
