package io.bootmedic.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** --image FILE | --device PATH: a disk read offline, for the commands that take nothing else (bitlocker info, decrypt). */
class DiskOptions {
    @Option(names = "--image", paramLabel = "FILE", description = "A disk or volume image (raw, VHD, VHDX, qcow2).")
    Path image;

    @Option(names = "--device", paramLabel = "PATH", description = "A block device such as /dev/sdc.")
    Path device;

    /** The disk named; a usage error when none or both are given. */
    Path path() {
        if ((image == null) == (device == null)) {
            throw new UsageError(image == null
                    ? "give the encrypted disk or volume with --image FILE or --device PATH"
                    : "give only one of --image and --device");
        }
        return image != null ? image : device;
    }

    /** Which option named it, for messages about the file. */
    String option() {
        return image != null ? "--image" : "--device";
    }
}
