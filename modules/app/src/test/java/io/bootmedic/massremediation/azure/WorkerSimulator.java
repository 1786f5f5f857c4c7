package io.bootmedic.massremediation.azure;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Linux worker's side of Run Command: what scripts/lib/worker-fix.sh would do there, decided
 * from the arguments baked into the payload the driver sends (the "set -- ..." line). The default
 * finds the disk attached at --azure-lun, refuses it when --expect-size differs from the size ARM
 * reports, and otherwise marks it repaired in the emulated state (nothing else changes the disk).
 */
@FunctionalInterface
interface WorkerSimulator {
    /** What the run command prints, how long it runs, and what it does to the emulated disks when it ends. */
    record Outcome(String stdout, String stderr, long millis, Runnable effect) {
    }

    Outcome run(ComputeState state, ObjectNode workerVm, List<String> script);

    Pattern PAYLOAD = Pattern.compile("echo ([A-Za-z0-9+/=]+) \\| base64 -d");

    /** The worker script's arguments (the words after "set --"), decoded from the run-command script. */
    static List<String> workerArgs(List<String> script) {
        for (String line : script) {
            Matcher m = PAYLOAD.matcher(line);
            if (m.find()) {
                String s = new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8);
                for (String l : s.split("\n")) {
                    if (l.startsWith("set --")) {
                        List<String> words = new ArrayList<>();
                        for (String w : l.substring("set --".length()).trim().split(" +")) {
                            if (!w.isEmpty()) {
                                words.add(w);
                            }
                        }
                        return words;
                    }
                }
            }
        }
        return List.of();
    }

    /** The number on the last BOOTMEDIC_EXIT= line (the worker script exits with it); 1 without one. */
    static int exitCode(String stdout) {
        Matcher m = Pattern.compile("BOOTMEDIC_EXIT=(\\d+)").matcher(stdout);
        int code = 1;
        while (m.find()) {
            code = Integer.parseInt(m.group(1));
        }
        return code;
    }

    static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : null;
    }

    static WorkerSimulator fixesTheDiskAtItsLun() {
        return exitingWith(0, 0);
    }

    /** Like the default, but bootmedic exits with {@code code} (0: the disk counts as repaired) after {@code millis}. */
    static WorkerSimulator exitingWith(int code, long millis) {
        return (st, worker, script) -> {
            List<String> args = workerArgs(script);
            String lun = option(args, "--azure-lun");
            String diskId = lun == null ? null : st.luns(worker).get(Integer.parseInt(lun));
            if (diskId == null) {
                return new Outcome("BOOTMEDIC_EXIT=1", "worker-fix: the attached disk did not appear (LUN " + lun + ")", millis, () -> { });
            }
            ObjectNode disk = st.disk(diskId);
            String expect = option(args, "--expect-size");
            long size = disk.at("/properties/diskSizeBytes").asLong();
            if (expect != null && Long.parseLong(expect) != size) {
                return new Outcome("BOOTMEDIC_EXIT=2", "worker-fix: the device has " + size + " bytes, expected " + expect, millis, () -> { });
            }
            Runnable effect = code == 0 ? () -> st.repaired.merge(ComputeState.key(diskId), 1, Integer::sum) : () -> { };
            return new Outcome("BOOTMEDIC_DEVICE=/dev/sdc\n" + (code == 0 ? "FIXED" : "FAILED") + "\nBOOTMEDIC_EXIT=" + code, "", millis, effect);
        };
    }
}
