package io.bootmedic.collector;

import io.bootmedic.playbook.PlaybookException;
import io.bootmedic.playbook.PlaybookKeys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The playbook keys the fleet should trust: the {@code *.pub} files in the collector folder's
 * {@code trusted-keys/} (the ones published playbooks are signed with). Read on each request, so
 * adding a key needs no restart; a file that is not a key is named, not skipped silently.
 *
 * @param problems one line per file that could not be read as a key
 */
public record KnownKeys(Set<String> ids, List<String> problems) {
    /** More key files than any fleet rotates through; a folder with more is refused rather than read without end. */
    static final int MAX_FILES = 64;

    public KnownKeys {
        ids = Set.copyOf(ids);
        problems = List.copyOf(problems);
    }

    public static KnownKeys in(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return new KnownKeys(Set.of(), List.of());
        }
        Set<String> ids = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        int seen = 0;
        try (var files = Files.newDirectoryStream(dir, "*.pub")) {
            for (Path f : files) {
                if (++seen > MAX_FILES) {
                    problems.add(dir + " holds more than " + MAX_FILES + " .pub files; only the first " + MAX_FILES + " were read");
                    break;
                }
                try {
                    ids.add(PlaybookKeys.readPublic(f).id());
                } catch (PlaybookException e) {
                    problems.add(f.getFileName() + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            problems.add("cannot list " + dir + ": " + e.getMessage());
        }
        return new KnownKeys(ids, problems);
    }
}
