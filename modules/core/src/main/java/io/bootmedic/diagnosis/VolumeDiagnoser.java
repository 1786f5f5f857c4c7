package io.bootmedic.diagnosis;

import io.bootmedic.format.ErrorWords;
import io.bootmedic.fs.FileTree;
import io.bootmedic.remediation.Diagnoser;
import io.bootmedic.report.Diagnosis;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The engine's {@link Diagnoser} (META-INF/services): each part is read on its own, so one that fails leaves the others. */
public final class VolumeDiagnoser implements Diagnoser {
    @Override
    public Diagnosis diagnose(FileTree tree, String driveLetter, List<String> notes) {
        List<Diagnosis.CrashDump> dumps = new ArrayList<>();
        Diagnosis.PendingUpdates pending = null;
        List<Diagnosis.HiveState> hives = List.of();
        try {
            dumps.addAll(CrashDumps.minidumps(tree));
        } catch (IOException | RuntimeException e) {
            notes.add("crash dumps in Windows\\Minidump not read: " + ErrorWords.message(e));
        }
        try {
            dumps.addAll(CrashDumps.memoryDump(tree));
        } catch (IOException | RuntimeException e) {
            notes.add("Windows\\MEMORY.DMP not read: " + ErrorWords.message(e));
        }
        try {
            pending = PendingUpdates.read(tree, driveLetter, notes);
        } catch (IOException | RuntimeException e) {
            notes.add("pending updates not read: " + ErrorWords.message(e));
        }
        try {
            hives = DirtyHives.read(tree);
        } catch (IOException | RuntimeException e) {
            notes.add("hive state not read: " + ErrorWords.message(e));
        }
        return new Diagnosis(dumps, pending, hives);
    }
}
