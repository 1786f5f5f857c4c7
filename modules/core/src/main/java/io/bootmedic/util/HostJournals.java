package io.bootmedic.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Journals kept on the host for a volume bootmedic writes in place (neutralized files, an ESP's BCD store):
 * {@code <quarantineDir>/<runId>/<volumeKey>/journal.json}, one per run.
 */
public final class HostJournals {
    private HostJournals() {
    }

    /** Every run's journal of this volume. */
    public static List<Path> all(Path quarantineDir, String volumeKey) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(quarantineDir)) {
            return out;
        }
        try (Stream<Path> runs = Files.list(quarantineDir)) {
            for (Path run : runs.toList()) {
                Path j = run.resolve(volumeKey).resolve("journal.json");
                if (Files.isRegularFile(j)) {
                    out.add(j);
                }
            }
        }
        return out;
    }

    /**
     * The journal of {@code runId}, or (runId null) the newest by its {@code startedAt} that is not undone and that
     * {@code eligible} accepts; null when there is none.
     */
    public static Path find(Path quarantineDir, String volumeKey, String runId, Predicate<Map<String, Object>> eligible) throws IOException {
        if (runId != null) {
            Path j = quarantineDir.resolve(runId).resolve(volumeKey).resolve("journal.json");
            return Files.exists(j) ? j : null;
        }
        Path newest = null;
        String newestStart = "";
        for (Path j : all(quarantineDir, volumeKey)) {
            Map<String, Object> m = Json.readObject(Files.readAllBytes(j));
            String started = String.valueOf(m.get("startedAt"));
            if (!"undone".equals(m.get("state")) && eligible.test(m) && started.compareTo(newestStart) > 0) {
                newest = j;
                newestStart = started;
            }
        }
        return newest;
    }
}
