package io.bootmedic.cloud.engine;

import io.bootmedic.cloud.provider.Model.VmRef;
import io.bootmedic.util.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The run's durable record, JSON lines: first the run (its ID and every VM in scope), then one whole {@link VmRecord}
 * per transition, written before the transition is taken. Read back strictly: a torn last line (no newline: the
 * process died while writing it) is dropped and cut off; anything else that is not exactly what this class writes
 * (a bad line in the middle, a sequence gap, an unknown field or step, a VM not in the run) is refused with one line.
 */
public final class Journal {
    static final int VERSION = 1;
    private static final Set<String> RUN_FIELDS = Set.of("v", "seq", "kind", "run", "target", "vms");
    private static final Set<String> VM_FIELDS = Set.of("v", "seq", "kind", "at", "vm");

    private final JournalStore store;
    private long seq;

    private Journal(JournalStore store, long seq) {
        this.store = store;
        this.seq = seq;
    }

    /** A new run's journal; refuses a store that already holds one. */
    public static Journal create(JournalStore store, String runId, List<VmRef> vms) {
        return create(store, runId, vms, null);
    }

    /** As {@link #create(JournalStore, String, List)}, recording the target (account and region, project, URI) the run is against. */
    public static Journal create(JournalStore store, String runId, List<VmRef> vms, String target) {
        if (store.readAll().length > 0) {
            throw new JournalException("journal " + store.name() + " already holds a run: use resume, rollback or status, or another file");
        }
        Journal j = new Journal(store, 0);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("v", VERSION);
        line.put("seq", ++j.seq);
        line.put("kind", "run");
        line.put("run", runId);
        if (target != null) {
            line.put("target", target);
        }
        List<Object> list = new ArrayList<>();
        for (VmRef vm : vms) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("uid", vm.uid());
            m.put("id", vm.id());
            m.put("name", vm.name());
            list.add(m);
        }
        line.put("vms", list);
        j.write(line);
        return j;
    }

    /** What a journal holds: the run, its VMs in order, and each VM's last record. */
    public record Loaded(Journal journal, String runId, List<VmRef> vms, Map<String, VmRecord> last, boolean tornLineDropped, String target) {
    }

    public static Loaded open(JournalStore store) {
        byte[] all = store.readAll();
        int end = all.length;
        while (end > 0 && all[end - 1] != '\n') {
            end--;
        }
        boolean torn = end < all.length;
        if (end == 0) {
            throw new JournalException("journal " + store.name() + " holds no run" + (torn ? " (only a torn first line)" : "")
                    + ": start one with run");
        }
        String text = new String(all, 0, end, StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1);
        String runId = null;
        String target = null;
        List<VmRef> vms = new ArrayList<>();
        Map<String, VmRecord> last = new LinkedHashMap<>();
        long seq = 0;
        for (int i = 0; i < lines.length - 1; i++) {
            int n = i + 1;
            try {
                Map<String, Object> m = Json.readObject(lines[i].getBytes(StandardCharsets.UTF_8));
                if (Json.number(m, "v", -1) != VERSION) {
                    throw new IOException("version is not " + VERSION);
                }
                long s = Json.number(m, "seq", -1);
                if (s != seq + 1) {
                    throw new IOException("sequence number " + m.get("seq") + " where " + (seq + 1) + " belongs");
                }
                seq = s;
                String kind = Json.string(m, "kind");
                if (i == 0) {
                    if (!"run".equals(kind)) {
                        throw new IOException("the first line is not the run");
                    }
                    unknown(m, RUN_FIELDS);
                    runId = Json.string(m, "run");
                    target = m.containsKey("target") ? Json.string(m, "target") : null;
                    if (m.containsKey("target") && (target == null || target.isEmpty())) {
                        throw new IOException("target is not a non-empty string");
                    }
                    if (runId == null || !Naming.validRunId(runId)) {
                        throw new IOException("run ID is not 8 lower-case letters or digits");
                    }
                    List<Object> list = Json.list(m, "vms");
                    if (list == null) {
                        throw new IOException("no list of VMs");
                    }
                    for (Object o : list) {
                        if (!(o instanceof Map<?, ?> vm) || !(vm.get("uid") instanceof String uid) || !(vm.get("id") instanceof String id)
                                || !(vm.get("name") instanceof String name) || vm.size() != 3) {
                            throw new IOException("a VM of the run is not {uid, id, name}");
                        }
                        vms.add(new VmRef(id, uid, name));
                    }
                } else {
                    if (!"vm".equals(kind)) {
                        throw new IOException("kind is not vm");
                    }
                    unknown(m, VM_FIELDS);
                    Map<String, Object> vm = Json.object(m, "vm");
                    if (vm == null) {
                        throw new IOException("no vm record");
                    }
                    VmRecord r = VmRecord.fromMap(vm);
                    if (vms.stream().noneMatch(v -> v.uid().equals(r.uid()) && v.id().equals(r.vmId()))) {
                        throw new IOException("VM " + r.uid() + " is not one of the run's");
                    }
                    last.put(r.uid(), r);
                }
            } catch (IOException | RuntimeException e) {
                String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("unreadable"); // a parser's message may run over lines
                throw new JournalException("journal " + store.name() + " line " + n + ": " + why
                        + "; not written by this engine or damaged, so nothing was done (keep it for the record, and check each VM by hand)");
            }
        }
        if (torn) {
            store.truncate(end);
        }
        return new Loaded(new Journal(store, seq), runId, vms, last, torn, target);
    }

    private static void unknown(Map<String, Object> m, Set<String> known) throws IOException {
        String u = Json.firstUnknownField(m, known);
        if (u != null) {
            throw new IOException("unknown field " + u);
        }
    }

    /** Records a transition; returns once it is durable. */
    public void record(VmRecord r, long at) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("v", VERSION);
        line.put("seq", ++seq);
        line.put("kind", "vm");
        line.put("at", at);
        line.put("vm", r.toMap());
        write(line);
    }

    private void write(Map<String, Object> line) {
        store.append((Json.line(line) + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
