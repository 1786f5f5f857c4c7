package io.bootmedic.osrepair;

import io.bootmedic.fs.LocalFileTree;
import io.bootmedic.playbook.PlaybookParser;
import io.bootmedic.playbook.RepairRule;
import io.bootmedic.practice.PracticeTree;
import io.bootmedic.remediation.ActionResult;
import io.bootmedic.remediation.CrashPoint;
import io.bootmedic.testutil.TreeSnapshot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.bootmedic.osrepair.DismRecordings.DOTNET;
import static io.bootmedic.osrepair.DismRecordings.LANG;
import static io.bootmedic.osrepair.DismRecordings.LCU;
import static io.bootmedic.osrepair.DismRecordings.OLD_LCU;
import static io.bootmedic.osrepair.DismRecordings.SSU;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The update rules through a strict fake DISM that answers in the recorded form (CRLF, OEM code page, /English). */
class DismRepairsTest {
    static final String REVERT = "{\"id\":\"revert\",\"action\":\"revert-pending-updates\"}";
    static final String REMOVE_LCU = "{\"id\":\"lcu\",\"action\":\"remove-package\",\"package\":\"Package_for_RollupFix~*\"}";
    static final String REMOVE_ALL_UPDATES = "{\"id\":\"updates\",\"action\":\"remove-package\",\"package\":\"Package_for_*\"}";

    @TempDir
    Path root;
    FakeDism dism;

    @BeforeEach
    void tree() throws IOException {
        PracticeTree.create(root);
    }

    static List<RepairRule> rules(String json) throws Exception {
        return PlaybookParser.parse(("{\"id\":\"dism\",\"title\":\"updates\",\"rules\":[" + json + "]}").getBytes(StandardCharsets.UTF_8), "t").repairs();
    }

    ActionResult one(String rule, boolean dryRun, Path running, List<DismRecordings.Row> rows) throws Exception {
        if (dism == null) {
            dism = new FakeDism(running != null ? "/Online" : "/Image:" + root, rows);
        }
        List<ActionResult> out = new OsRepairs(new FakeRegistryApi(), dism, () -> {
            throw new AssertionError("no boot configuration");
        }, running).apply(new LocalFileTree(root), CrashPoint.NONE, "run-1", "dism", rules(rule), dryRun);
        assertEquals(1, out.size(), out.toString());
        return out.get(0);
    }

    List<String> cmd(String... rest) {
        List<String> c = new java.util.ArrayList<>(List.of("dism.exe", "/English", dism.image));
        c.addAll(List.of(rest));
        return c;
    }

    @Test
    void pendingUpdatesAreListedThenRevertedAndTheReportSaysWhatAndThatItCannotBeUndone() throws Exception {
        ActionResult r = one(REVERT, false, null, List.of(SSU, LCU, LANG));
        assertEquals("repaired", r.action().wire(), r.toString());
        assertEquals("pending: " + LCU.identity() + " (Install Pending); reverted by DISM /Cleanup-Image /RevertPendingActions. " + DismRepairs.NO_UNDO,
                r.detail());
        assertEquals(List.of(cmd("/Get-Packages", "/Format:Table"), cmd("/Cleanup-Image", "/RevertPendingActions")), dism.commands);
    }

    @Test
    void nothingPendingMeansNothingRun() throws Exception {
        ActionResult r = one(REVERT, false, null, List.of(SSU, OLD_LCU, LANG));
        assertEquals("kept", r.action().wire());
        assertEquals("not-needed", r.verdict().wire());
        assertEquals(List.of(cmd("/Get-Packages", "/Format:Table")), dism.commands, "listed, nothing changed");
    }

    @Test
    void pendingXmlAloneIsPendingEnough() throws Exception {
        Files.createDirectories(root.resolve("Windows/WinSxS"));
        Files.writeString(root.resolve("Windows/WinSxS/pending.xml"), "<PendingTransaction/>");
        ActionResult r = one(REVERT, false, null, List.of(SSU));
        assertEquals("repaired", r.action().wire(), r.toString());
        assertTrue(r.detail().startsWith("no package pending; Windows/WinSxS/pending.xml present; reverted"), r.detail());
    }

    @Test
    void aFailedRevertSaysDismsCodeAndWordsDecodedFromTheOemCodePage() throws Exception {
        dism = new FakeDism("/Image:" + root, List.of(LCU));
        dism.revertExit = 0x800f082f;
        ActionResult r = one(REVERT, false, null, null);
        assertEquals("failed", r.action().wire());
        assertTrue(r.error().contains("(0x800F082F: Error: 0x800f082f Die Datei ist beschädigt und kann nicht gelesen werden.)"), r.error());
        assertTrue(r.error().contains("pending: " + LCU.identity()), r.error());
    }

    @Test
    void revertingIsNotTriedOnTheRunningWindows() throws Exception {
        ActionResult r = one(REVERT, false, root, List.of(LCU));
        assertEquals("not-done-here", r.action().wire());
        assertTrue(r.error().contains("only in an image that is not running"), r.error());
        assertEquals(List.of(), dism.commands);
    }

    @Test
    void aGlobRemovesEveryInstalledMatchOneAtATimeAndLeavesSupersededOnesAlone() throws Exception {
        DismRecordings.Row installed = new DismRecordings.Row(LCU.identity(), "Installed", LCU.release(), LCU.time());
        ActionResult r = one(REMOVE_ALL_UPDATES, false, null, List.of(OLD_LCU, installed, SSU, LANG, DOTNET));
        assertEquals("repaired", r.action().wire(), r.toString());
        assertEquals("removed " + LCU.identity() + ", " + SSU.identity() + ", " + DOTNET.identity() + " (3010: a restart completes it); left alone: "
                + OLD_LCU.identity() + " (Superseded). " + DismRepairs.NO_UNDO, r.detail());
        assertEquals(List.of(cmd("/Get-Packages", "/Format:Table"), cmd("/Remove-Package", "/PackageName:" + LCU.identity(), "/NoRestart"),
                cmd("/Remove-Package", "/PackageName:" + SSU.identity(), "/NoRestart"),
                cmd("/Remove-Package", "/PackageName:" + DOTNET.identity(), "/NoRestart")), dism.commands);
    }

    @Test
    void theRunningWindowsIsServicedOnline() throws Exception {
        ActionResult r = one(REMOVE_LCU, false, root, List.of(LCU));
        assertEquals("repaired", r.action().wire(), r.toString());
        assertEquals("/Online", dism.commands.get(1).get(2));
    }

    @Test
    void aRemovalThatFailsStopsThereAndSaysWhatWasRemovedBefore() throws Exception {
        dism = new FakeDism("/Image:" + root, List.of(LCU, SSU, DOTNET));
        dism.failRemovalOf = SSU.identity();
        ActionResult r = one(REMOVE_ALL_UPDATES, false, null, null);
        assertEquals("failed", r.action().wire());
        assertTrue(r.error().startsWith("DISM could not remove " + SSU.identity() + " (0x800F0825: Error: 0x800f0825 Package " + SSU.identity()
                + " may have failed"), r.error());
        assertTrue(r.error().contains("; removed before it: " + LCU.identity() + ". " + DismRepairs.NO_UNDO), r.error());
        assertEquals(3, dism.commands.size(), "DOTNET not tried after the failure");
    }

    @Test
    void noMatchIsNotNeeded() throws Exception {
        ActionResult r = one(REMOVE_LCU, false, null, List.of(SSU, OLD_LCU));
        assertEquals("kept", r.action().wire());
        assertEquals("no installed package matches Package_for_RollupFix~* among 2; left alone: " + OLD_LCU.identity() + " (Superseded)", r.detail());
    }

    @Test
    void aDryRunListsAndChangesNothing() throws Exception {
        Map<String, String> before = TreeSnapshot.of(root);
        ActionResult remove = one(REMOVE_LCU, true, null, List.of(LCU));
        assertEquals("would-repair", remove.action().wire());
        assertTrue(remove.detail().startsWith("would remove " + LCU.identity() + " (Install Pending)"), remove.detail());
        ActionResult revert = one(REVERT, true, null, null);
        assertEquals("would-repair", revert.action().wire());
        assertEquals(List.of(cmd("/Get-Packages", "/Format:Table"), cmd("/Get-Packages", "/Format:Table")), dism.commands);
        assertEquals(before, TreeSnapshot.of(root));
    }

    @Test
    void aListingThatCannotBeReadIsRefusedWholeAndNothingIsRemoved() throws Exception {
        String table = DismRecordings.table(List.of(LCU, SSU));
        for (String broken : List.of(table.substring(0, table.indexOf(SSU.identity()) + 20), // cut short: no closing line
                table.replace("Package Identity", "Paketidentität"), // not /English
                table.replace(" | Security Update", " Security Update"), // a row of three columns
                table.replace(LCU.identity(), "Package_for_RollupFix"))) { // not an identity
            dism = new FakeDism("/Image:" + root, List.of(LCU, SSU));
            dism.listing = broken;
            ActionResult r = one(REMOVE_LCU, false, null, null);
            assertEquals("failed", r.action().wire(), broken);
            assertTrue(r.error().contains("so nothing was changed"), r.error());
            assertEquals(1, dism.commands.size(), "only the listing ran");
        }
    }

    @Test
    void theRecordedTableReadsBackRowForRow() throws Exception {
        List<DismOutput.Package> p = DismOutput.packages(DismRecordings.piped(DismRecordings.table(List.of(LCU, OLD_LCU, LANG))));
        assertEquals(3, p.size());
        assertEquals(new DismOutput.Package(LANG.identity(), "Installed", "Language Pack", "12/12/2023 6:40 PM"), p.get(2));
        assertTrue(p.get(0).pending());
        assertEquals(List.of(), DismOutput.packages(DismRecordings.table(List.of())), "an image with no packages is an empty list, not a refusal");
    }

    @Test
    void exitCodesAreShownAsWindowsShowsThem() {
        assertEquals("0x800F082F", DismOutput.code(0x800f082f));
        assertEquals("0x800F082F", DismOutput.code(-2146498513));
        assertEquals("3010", DismOutput.code(3010));
        assertEquals("87", DismOutput.code(87));
        assertEquals("Error: 87 The parameter is incorrect.", DismOutput.error(DismRecordings.failed("87", "The parameter is incorrect.")));
        assertEquals("no Error line", DismOutput.error("\r\n\r\nno Error line\r\n\r\n"));
    }
}
