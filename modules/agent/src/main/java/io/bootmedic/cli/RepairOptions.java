package io.bootmedic.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** How a command that changes an image or device treats a crashed Windows: fix and undo show these, scan does not. */
class RepairOptions {
    @Option(names = "--quarantine-dir", paramLabel = "DIR",
            description = "For images and devices whose Windows crashed or hibernated: where the original bytes of neutralized files are kept "
                    + "on this host (default: IMAGE.bootmedic-quarantine beside the image, ./bootmedic-quarantine for devices).")
    Path quarantineDir;

    @Option(names = "--journal", paramLabel = "MODE",
            description = "For images and devices whose Windows crashed: 'neutralize' (default) zeroes the file's data in place and changes no metadata; "
                    + "'reset' empties the NTFS journal as ntfsfix does, marks the volume for chkdsk and quarantines by rename.")
    String journalMode = "neutralize";
}
