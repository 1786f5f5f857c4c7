package io.bootmedic.cloud.kvm;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The process the route starts for one snapshot or copy: {@link ImageCopier#copy} under qemu's locks, then its exit code
 * in a file. Arguments: SOURCE TARGET DEVICE INODE EXIT_FILE.
 */
public final class CopyChild {
    private CopyChild() {
    }

    public static void main(String[] args) {
        int code = 0;
        try {
            FileIdentity expect = new FileIdentity(Long.parseLong(args[2]), Long.parseLong(args[3]));
            ImageCopier.copy(Path.of(args[0]), Path.of(args[1]), expect, 6 * 3_600_000L);
        } catch (Exception e) {
            System.err.println("copy failed: " + e.getMessage());
            code = 1;
        }
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("exit", code);
        StateFiles.write(Path.of(args[4]), done);
        System.exit(code);
    }
}
