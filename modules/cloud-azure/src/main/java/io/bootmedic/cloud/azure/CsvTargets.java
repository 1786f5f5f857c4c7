package io.bootmedic.cloud.azure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The --csv file as scripts/lib/common.sh read it: "group,name" lines; comments, blank lines and a header skipped. */
final class CsvTargets {
    private CsvTargets() {
    }

    static List<Targets.GroupAndName> read(Path file, String defaultGroup) throws IOException {
        List<Targets.GroupAndName> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(",", -1);
            for (int k = 0; k < f.length; k++) {
                f[k] = f[k].replaceAll("^[\\s\"]+|[\\s\"]+$", "");
            }
            if (i == 0 && f[0].toLowerCase(Locale.ROOT).matches(".*(resource|group).*")) {
                continue;
            }
            String group = f.length >= 2 ? f[0] : "";
            String name = f.length >= 2 ? f[1] : f[0];
            if (group.isEmpty()) {
                group = defaultGroup;
            }
            if (group == null || group.isEmpty()) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": VM '" + name + "' has no resource group (and no --resource-group was given)");
            }
            out.add(new Targets.GroupAndName(group, name));
        }
        return out;
    }
}
