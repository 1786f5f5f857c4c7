package io.bootmedic.rescue;

import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.platform.linux.BlockDisk;
import io.bootmedic.platform.linux.StorageBus;
import io.bootmedic.report.Report;
import io.bootmedic.report.RunMode;
import io.bootmedic.report.RunOutcome;
import io.bootmedic.report.VolumeOutcome;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The menu driven by what a person types (or does not type). */
class RescueMenuTest {
    /** A valid recovery password (every group divisible by 11, below 720896), typed group by group. */
    private static final String GOOD = "111111-222222-333333-444444-555555-666666-000011-000022";

    private final List<String> calls = new ArrayList<>();
    private final List<RecoveryPassword> tried = new ArrayList<>();
    private boolean passwordOpens = true;
    private final StringWriter screen = new StringWriter();

    private static DiskState disk(String name, boolean refused, VolumeOutcome... volumes) {
        BlockDisk d = new BlockDisk(name, StorageBus.NVME, "nvme", "QEMU NVMe Ctrl", 256L << 20, false, 512);
        List<Report.VolumeReport> vs = new ArrayList<>();
        for (VolumeOutcome o : volumes) {
            Report.BitLocker bl = o == VolumeOutcome.LOCKED ? new Report.BitLocker("locked", "XTS-AES-128", "{1A2B3C4D-0000-0000-0000-000000000000}", null, false)
                    : Report.BitLocker.NONE;
            vs.add(new Report.VolumeReport("ntfs:" + name, "Windows", "ntfs", bl, new Report.Windows("HOST-" + name, null, null), "clean",
                    List.of(), o, null, List.of()));
        }
        Report scan = refused ? null : new Report(Report.SCHEMA, "run", "test", null, null, RunMode.DEVICE, "scan",
                new Report.PlaybookRef("p", "builtin"), Report.Host.UNKNOWN, RunOutcome.of(vs), vs);
        return new DiskState(new RescueDisk(d, Path.of("/dev").resolve(name), refused ? "an Intel RST RAID member (IMSM metadata) (its anchor is at byte 268434432). " + DiskSurvey.RAID_ADVICE : null), scan, null);
    }

    private final List<DiskState> disks = new ArrayList<>(List.of(
            disk("sda", true),
            disk("nvme0n1", false, VolumeOutcome.LOCKED),
            disk("nvme1n1", false, VolumeOutcome.NEEDS_FIX)));

    private final RescueMenu.Actions actions = new RescueMenu.Actions() {
        @Override
        public List<DiskState> disks() {
            return disks;
        }

        @Override
        public void fixAll() {
            calls.add("fixAll");
        }

        @Override
        public void fix(DiskState disk) {
            calls.add("fix " + disk.disk().name());
        }

        @Override
        public boolean tryPassword(LockedVolume volume, RecoveryPassword password) {
            calls.add("try " + volume.disk());
            tried.add(password);
            return passwordOpens;
        }

        @Override
        public void details() {
            calls.add("details");
        }
    };

    private AfterStep type(String typed) throws IOException {
        return new RescueMenu(new BufferedReader(new StringReader(typed)), new PrintWriter(screen, true), actions).run();
    }

    @Test
    void endOfInputFixesNothingAndOpensAShell() throws IOException {
        assertEquals(AfterStep.SHELL, type(""));
        assertEquals(List.of(), calls);
        assertTrue(screen.toString().contains("nothing was fixed without a choice"), screen.toString());
    }

    @Test
    void endOfInputInTheMiddleOfAChoiceFixesNothing() throws IOException {
        assertEquals(AfterStep.SHELL, type("2\n"));
        assertEquals(AfterStep.SHELL, type("3\n111111\n"));
        assertEquals(List.of(), calls);
    }

    @Test
    void aTypedPasswordWithAWrongGroupIsCorrectedGroupByGroup() throws IOException {
        String typed = "3\n111111\n222222\n333333\n444444\n123456\n555555\n666666-000011-000022\n6\n";
        assertEquals(AfterStep.REBOOT, type(typed));
        assertEquals(List.of("try nvme0n1"), calls);
        assertEquals(GOOD, tried.get(0).reveal());
        String out = screen.toString();
        assertTrue(out.contains("group 5 is wrong (not divisible by 11): type group 5 again"), out);
        assertTrue(out.contains("opens ntfs:nvme0n1"), out);
        for (String group : GOOD.split("-")) {
            assertFalse(out.contains(group), "a typed group is never shown: " + group);
        }
    }

    @Test
    void qSkipsThePasswordAndNothingIsTried() throws IOException {
        assertEquals(AfterStep.POWEROFF, type("3\nq\n7\n"));
        assertEquals(List.of(), calls);
        assertTrue(screen.toString().contains("Skipped; the volume stays locked."), screen.toString());
    }

    @Test
    void aPasswordThatDoesNotOpenIsSaid() throws IOException {
        passwordOpens = false;
        type("3\n" + GOOD + "\n5\n");
        assertTrue(screen.toString().contains("does not open ntfs:nvme0n1"), screen.toString());
    }

    @Test
    void unknownChoicesAreNamedFilteredAndAskedAgain() throws IOException {
        assertEquals(AfterStep.SHELL, type("9\nfix\n\u001b[2J\n5\n"));
        String out = screen.toString();
        assertTrue(out.contains("Unknown choice '9': type a number from 1 to 7"), out);
        assertTrue(out.contains("Unknown choice 'fix'"), out);
        assertFalse(out.contains("\u001b"), "an escape sequence typed is not replayed to the terminal");
        assertEquals(List.of(), calls);
    }

    @Test
    void fixOneDiskCountsOnlyDisksThatAreNotRefused() throws IOException {
        assertEquals(AfterStep.SHELL, type("2\n1\n2\n2\n2\n3\n2\n\n2\nx\n5\n"));
        assertEquals(List.of("fix nvme0n1", "fix nvme1n1"), calls, "the refused RAID member is never a choice; 3, Enter and x choose nothing");
        assertTrue(screen.toString().contains("'3' is not a number from 1 to 2"), screen.toString());
    }

    @Test
    void fixAllDetailsAndTheScreen() throws IOException {
        assertEquals(AfterStep.SHELL, type("1\n4\n5\n"));
        assertEquals(List.of("fixAll", "details"), calls);
        String out = screen.toString();
        assertTrue(out.contains("REFUSED: an Intel RST RAID member"), out);
        assertTrue(out.contains("BitLocker LOCKED  needs its recovery key"), out);
        assertTrue(out.contains("        recovery key ID {1A2B3C4D-0000-0000-0000-000000000000}"), out);
        assertTrue(out.contains("FAULTY FILE FOUND"), out);
        assertTrue(out.contains(" 1  nvme0n1"), out);
        assertTrue(out.contains(" 2  nvme1n1"), out);
    }

    @Test
    void theScreenFitsAnEightyColumnConsole() throws IOException {
        type("5\n");
        for (String line : screen.toString().lines().toList()) {
            assertTrue(line.length() <= 80, "wider than the Linux console (" + line.length() + "): " + line);
        }
        assertTrue(screen.toString().contains("REFUSED: an Intel RST RAID member"), screen.toString());
    }

    @Test
    void withSeveralLockedVolumesThePersonChoosesOne() throws IOException {
        disks.add(disk("vda", false, VolumeOutcome.LOCKED));
        type("3\n2\n" + GOOD + "\n5\n");
        assertEquals(List.of("try vda"), calls);
    }

    @Test
    void noLockedVolumeNoPrompt() throws IOException {
        disks.remove(1);
        type("3\n5\n");
        assertTrue(screen.toString().contains("No volume is locked."), screen.toString());
        assertEquals(List.of(), calls);
    }
}
