package io.bootmedic.cloud.azure.arm;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.bootmedic.cloud.azure.arm.ArmState.key;

/**
 * The Linux workers' side of a run command: what scripts/lib/worker-fix.sh would do there. The script must carry the
 * repository's worker-fix.sh unchanged; its command lines say what runs: a {@code --release} check (is a writer alive on
 * the LUN?) or a fix (refused while a writer is alive; else a simulated bootmedic on the disk at the LUN, checked against
 * --expect-size). A writer writes when it starts and when it ends; each write is checked: the disk must still be on the
 * worker at that LUN, be a copy, and not be booted by a running VM (else a violation). A timed-out or deleted run command
 * kills only the shell: the writer lingers on.
 */
public final class WorkerSim {
    /** What bootmedic does on a disk. */
    public enum Mode {
        FIXES, CLEAN, FAILS, HANGS
    }

    /** How bootmedic behaves on one disk (by the original's ID: its copies behave alike): run time, and life after its shell is killed. */
    public record Behaviour(Mode mode, long runMillis, long lingerMillis) {
    }

    private static final Pattern PAYLOAD = Pattern.compile("echo ([A-Za-z0-9+/=]+) \\| base64 -d");
    private static final Pattern BASH = Pattern.compile("(?m)^bash \"\\$f\"(.*?)(?: >/dev/null 2>&1)? ?(\\|\\||;).*$");

    private final ArmState st;
    private final String workerFix;
    public final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
    public volatile Behaviour defaults = new Behaviour(Mode.FIXES, 150, 0);
    /** worker key + "#" + LUN -> the writer alive there. */
    final Map<String, Writer> writers = new ConcurrentHashMap<>();
    /** Scripts that were not worker-fix.sh (the adapter must never send one). */
    public final java.util.List<String> foreignScripts = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** disk key -> fixes started on it. */
    public final Map<String, Integer> fixStarts = new ConcurrentHashMap<>();

    static final class Writer {
        final String diskId;
        final String workerId;
        final int lun;
        final Behaviour b;
        volatile long endsAt;

        Writer(String diskId, String workerId, int lun, Behaviour b, long endsAt) {
            this.diskId = diskId;
            this.workerId = workerId;
            this.lun = lun;
            this.b = b;
            this.endsAt = endsAt;
        }
    }

    /** One run command's execution. */
    static final class Execution {
        String state = "Running";
        Integer exitCode;
        String output = "";
        String error = "";
        long endsAt;
        Writer writer;
        boolean release;
        int lun;
        String workerId;
    }

    WorkerSim(ArmState st) {
        this.st = st;
        try {
            this.workerFix = Files.readString(Path.of("scripts/lib/worker-fix.sh"));
        } catch (IOException e) {
            throw new UncheckedIOException("the tests run from the repository root (surefire workingDirectory)", e);
        }
    }

    Behaviour behaviour(String diskId) {
        String origin = st.copiedFrom.getOrDefault(key(diskId), key(diskId));
        return behaviours.getOrDefault(origin, defaults);
    }

    /** Starts the script of a run command on {@code worker}. */
    Execution start(ObjectNode worker, String script, long timeoutMillis, long now) {
        Matcher m = PAYLOAD.matcher(script);
        if (!m.find() || !new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8).equals(workerFix)) {
            // ARM runs any script; this worker knows only worker-fix.sh: anything else "fails" there, and is noted
            foreignScripts.add(script);
            Execution ex = new Execution();
            ex.endsAt = now + 30;
            finish(ex, 127, "", "bash: not a bootmedic script");
            ex.state = "Running";
            return ex;
        }
        List<List<String>> lines = new ArrayList<>();
        Matcher b = BASH.matcher(script);
        while (b.find()) {
            lines.add(words(b.group(1)));
        }
        Execution ex = new Execution();
        ex.workerId = worker.get("id").asText();
        List<String> last = lines.get(lines.size() - 1);
        ex.lun = Integer.parseInt(option(last, "--azure-lun"));
        String diskId = st.luns(worker).get(ex.lun);
        String wkey = key(ex.workerId) + "#" + ex.lun;
        Writer alive = writers.get(wkey);
        if (last.contains("--release")) {
            ex.release = true;
            ex.endsAt = now + 30;
            if (diskId == null) {
                finish(ex, 1, "BOOTMEDIC_EXIT=1", "worker-fix: the attached disk did not appear");
            } else if (alive != null) {
                finish(ex, 1, "BOOTMEDIC_DEVICE=/dev/sdc\nBOOTMEDIC_BUSY=4242", "worker-fix: /dev/sdc is still open (process(es) 4242)");
            } else {
                finish(ex, 0, "BOOTMEDIC_DEVICE=/dev/sdc\nBOOTMEDIC_RELEASED=/dev/sdc", "");
            }
            ex.state = "Running"; // ended at endsAt
            return ex;
        }
        if (lines.size() < 2 || !lines.get(0).contains("--release")) {
            throw new IllegalStateException("a fix without the release check before it: " + lines);
        }
        if (alive != null) {
            ex.endsAt = now + 30;
            finish(ex, 1, "", "bootmedic-azure: something on this worker still holds LUN " + ex.lun + " (an earlier writer?): no second writer started");
            ex.state = "Running";
            return ex;
        }
        if (diskId == null) {
            ex.endsAt = now + 30;
            finish(ex, 1, "BOOTMEDIC_EXIT=1", "worker-fix: the attached disk did not appear");
            ex.state = "Running";
            return ex;
        }
        long size = st.disk(diskId).at("/properties/diskSizeBytes").asLong();
        if (!Long.toString(size).equals(option(last, "--expect-size"))) {
            ex.endsAt = now + 30;
            finish(ex, 2, "BOOTMEDIC_EXIT=2", "worker-fix: the device has " + size + " bytes, the attached disk has " + option(last, "--expect-size"));
            ex.state = "Running";
            return ex;
        }
        String bek = st.disk(diskId).at("/properties/encryptionSettingsCollection/encryptionSettings/0/diskEncryptionKey/secretUrl").asText(null);
        if (bek != null && !bek.equals(option(last, "--bek-secret-url"))) {
            ex.endsAt = now + 30;
            finish(ex, 3, "BOOTMEDIC_DEVICE=/dev/sdc\nNEEDS KEY: a volume is BitLocker-locked.\nBOOTMEDIC_EXIT=3", "");
            ex.state = "Running";
            return ex;
        }
        Behaviour be = behaviour(diskId);
        fixStarts.merge(key(diskId), 1, Integer::sum);
        long runs = be.mode() == Mode.HANGS ? Long.MAX_VALUE / 4 : be.runMillis();
        Writer w = new Writer(diskId, ex.workerId, ex.lun, be, now + runs);
        writers.put(wkey, w);
        write(w, "start");
        ex.writer = w;
        ex.endsAt = Math.min(now + runs, now + timeoutMillis);
        return ex;
    }

    /** Ends what is due: executions at their end (or timeout), lingering writers. */
    void tick(Execution ex, long now, long timeoutAt) {
        if (!ex.state.equals("Running") || now < ex.endsAt) {
            return;
        }
        if (ex.writer == null) {
            ex.state = ex.exitCode != null && ex.exitCode == 0 ? "Succeeded" : "Failed";
            return;
        }
        Writer w = ex.writer;
        if (now >= w.endsAt) {
            end(w);
            switch (w.b.mode()) {
                case FIXES -> finish(ex, 0, "BOOTMEDIC_DEVICE=/dev/sdc\nFIXED: 1 faulty file(s) quarantined or neutralized.\nBOOTMEDIC_EXIT=0", "");
                case CLEAN -> finish(ex, 0, "BOOTMEDIC_DEVICE=/dev/sdc\nNOTHING TO FIX: no faulty file on 1 Windows volume(s).\nBOOTMEDIC_EXIT=0", "");
                default -> finish(ex, 1, "BOOTMEDIC_DEVICE=/dev/sdc\nFAILED: see the messages above.\nBOOTMEDIC_EXIT=1", "");
            }
        } else if (now >= timeoutAt) {
            killShell(ex, now);
            ex.state = "TimedOut";
        }
    }

    /** The handler kills the shell (timeout, delete): bootmedic, its child, is orphaned and lingers. */
    void killShell(Execution ex, long now) {
        if (ex.writer != null && ex.state.equals("Running")) {
            Writer w = ex.writer;
            w.endsAt = now + w.b.lingerMillis();
            ex.output = "BOOTMEDIC_DEVICE=/dev/sdc\n";
            ex.error = "";
            ex.exitCode = null;
        }
    }

    void tickWriters(long now) {
        for (Writer w : List.copyOf(writers.values())) {
            if (now >= w.endsAt) {
                end(w); // an orphan whose shell was killed, ending on its own
            }
        }
    }

    private void end(Writer w) {
        if (writers.remove(key(w.workerId) + "#" + w.lun, w)) {
            write(w, "end");
            if (w.b.mode() == Mode.FIXES) {
                st.fixed.merge(key(w.diskId), 1, Integer::sum);
            }
        }
    }

    /** A write by {@code w}: only a copy, only while it is on this worker at its LUN, never a disk a running VM boots. */
    private void write(Writer w, String when) {
        ObjectNode worker = st.vms.get(key(w.workerId));
        String at = st.luns(worker).get(w.lun);
        boolean leaving = false;
        for (var dd : st.dataDisks(worker)) {
            leaving |= dd.at("/managedDisk/id").asText().equalsIgnoreCase(w.diskId) && dd.path("toBeDetached").asBoolean(false);
        }
        if (at == null || !at.equalsIgnoreCase(w.diskId) || leaving) {
            st.violations.add("write (" + when + ") to " + w.diskId + " after it left the worker's LUN " + w.lun);
        }
        if (st.original(w.diskId)) {
            st.violations.add("write (" + when + ") to the original " + w.diskId);
        }
        if (st.bootedByRunningVm(w.diskId)) {
            st.violations.add("write (" + when + ") to " + w.diskId + " while a running VM boots from it");
        }
    }

    /** A disk left a worker: nothing more to do here (writers notice at their next write). */
    void detached(String diskId) {
    }

    private static void finish(Execution ex, int code, String out, String err) {
        ex.exitCode = code;
        ex.output = out;
        ex.error = err;
        ex.state = code == 0 ? "Succeeded" : "Failed";
    }

    private static List<String> words(String s) {
        List<String> w = new ArrayList<>();
        Matcher m = Pattern.compile("'((?:[^']|'\\\\'')*)'|(\\S+)").matcher(s);
        while (m.find()) {
            w.add(m.group(1) != null ? m.group(1).replace("'\\''", "'") : m.group(2));
        }
        return w;
    }

    private static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : null;
    }
}
