package io.bootmedic.report;

import io.bootmedic.format.ErrorWords;
import io.bootmedic.fs.FileTree;
import io.bootmedic.fs.RelPath;
import io.bootmedic.fs.SafePaths;
import io.bootmedic.util.DurableFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a report everywhere it is asked for: on each repaired volume (so the evidence travels
 * with the disk), in the outbox (the USB stick, sent later), and to an explicit file.
 * Returns the places that failed instead of throwing: a report that cannot be written somewhere
 * must not turn a successful repair into a failure.
 */
public final class ReportWriter {
    public static final RelPath REPORT_DIR = RelPath.of("bootmedic/reports");

    /** Where a copy went, or why it did not. */
    public record Written(String where, String error) {
    }

    public List<Written> write(Report report, List<FileTree> volumes, Path outbox, Path reportFile) {
        byte[] json = ReportJson.toBytes(report);
        List<Written> results = new ArrayList<>();
        for (FileTree tree : volumes) {
            String where = tree.describe() + ": " + REPORT_DIR + "/" + report.runId() + ".json";
            try {
                RelPath dir = SafePaths.ensureDirectories(tree, REPORT_DIR);
                tree.writeDurably(dir.resolve(report.runId() + ".json"), json);
                results.add(new Written(where, null));
            } catch (IOException e) {
                results.add(new Written(where, ErrorWords.message(e)));
            }
        }
        if (outbox != null) {
            results.add(writeFile(outbox.resolve(report.runId() + ".json"), json));
        }
        if (reportFile != null) {
            results.add(writeFile(reportFile, json));
        }
        return results;
    }

    private static Written writeFile(Path file, byte[] json) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            DurableFiles.write(file, json);
            return new Written(file.toString(), null);
        } catch (IOException e) {
            return new Written(file.toString(), ErrorWords.message(e));
        }
    }
}
