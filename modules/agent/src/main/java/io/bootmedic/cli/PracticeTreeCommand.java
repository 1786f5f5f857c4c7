package io.bootmedic.cli;

import io.bootmedic.practice.PracticeTree;
import io.bootmedic.remediation.OpenedVolume;
import io.bootmedic.volumes.ImageTarget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "practice-tree", description = {"Create a practice copy of a bootlooped Windows drive, to rehearse scan/fix/undo safely:",
        "in a new folder DIR, or inside the NTFS partition of a disk image (--image; make one with scripts/make-practice-disk.sh)."})
class PracticeTreeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", arity = "0..1", description = "An empty or new folder.")
    Path dir;

    @Option(names = "--image", paramLabel = "FILE", description = "A disk image with an empty NTFS partition to fill instead.")
    Path image;

    @Override
    public Integer call() throws Exception {
        if ((dir == null) == (image == null)) {
            throw new UsageError("give either a folder DIR or --image FILE");
        }
        if (image != null) {
            try (ImageTarget target = new ImageTarget(image, false, true)) {
                List<OpenedVolume> volumes = target.open();
                OpenedVolume ntfs = volumes.stream().filter(v -> !v.locked()).findFirst()
                        .orElseThrow(() -> new UsageError(image + " has no NTFS partition to fill"));
                PracticeTree.create(ntfs.tree());
                spec.commandLine().getOut().println("practice files written into " + ntfs.label() + "; try: bootmedic scan --image " + image);
            }
            return 0;
        }
        if (Files.exists(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new UsageError(dir + " is not empty; give a new folder");
                }
            }
        }
        PracticeTree.create(dir);
        spec.commandLine().getOut().println("practice tree created in " + dir + "; try: bootmedic scan --root " + dir);
        return 0;
    }
}
