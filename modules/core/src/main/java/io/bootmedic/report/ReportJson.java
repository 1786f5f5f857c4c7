package io.bootmedic.report;

import io.bootmedic.util.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The one JSON form of a report (docs/design.md §7), fields in the contract's order, nulls written. */
public final class ReportJson {
    private ReportJson() {
    }

    public static byte[] toBytes(Report r) {
        return Json.write(toMap(r));
    }

    public static Map<String, Object> toMap(Report r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", r.schema());
        m.put("runId", r.runId());
        m.put("agentVersion", r.agentVersion());
        m.put("startedAt", r.startedAt());
        m.put("finishedAt", r.finishedAt());
        m.put("mode", r.mode().wire());
        m.put("command", r.command());
        Map<String, Object> playbook = new LinkedHashMap<>();
        playbook.put("id", r.playbook().id());
        playbook.put("source", r.playbook().source());
        m.put("playbook", playbook);
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("biosSerial", r.host().biosSerial());
        host.put("hypervisorVmId", r.host().hypervisorVmId());
        m.put("host", host);
        m.put("outcome", r.outcome().wire());
        List<Object> volumes = new ArrayList<>();
        for (Report.VolumeReport v : r.volumes()) {
            volumes.add(volume(v));
        }
        m.put("volumes", volumes);
        List<Object> applied = new ArrayList<>();
        for (Report.AppliedPlaybook p : r.playbooks()) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("id", p.id());
            a.put("version", p.version());
            a.put("source", p.source());
            a.put("publication", p.publication());
            a.put("signedBy", p.signedBy());
            applied.add(a);
        }
        m.put("playbooks", applied);
        List<Object> refused = new ArrayList<>();
        for (Report.RefusedPlaybook p : r.refusedPlaybooks()) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("publication", p.publication());
            a.put("reason", p.reason());
            refused.add(a);
        }
        m.put("refusedPlaybooks", refused);
        // added to v1 (docs/design.md §7): readers ignore fields they do not know
        m.put("error", r.error());
        if (!r.notes().isEmpty()) {
            m.put("notes", r.notes());
        }
        return m;
    }

    private static Map<String, Object> volume(Report.VolumeReport v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("volumeId", v.volumeId());
        m.put("label", v.label());
        m.put("fileSystem", v.fileSystem());
        Map<String, Object> bl = new LinkedHashMap<>();
        bl.put("state", v.bitlocker().state());
        bl.put("method", v.bitlocker().method());
        bl.put("recoveryKeyId", v.bitlocker().recoveryKeyId());
        bl.put("keySource", v.bitlocker().keySource());
        bl.put("recoveryPasswordUsed", v.bitlocker().recoveryPasswordUsed());
        bl.put("found", v.bitlocker().found());
        m.put("bitlocker", bl);
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("computerName", v.windows().computerName());
        w.put("productName", v.windows().productName());
        w.put("build", v.windows().build());
        m.put("windows", w);
        m.put("journal", v.journal());
        List<Object> actions = new ArrayList<>();
        for (Report.Action a : v.actions()) {
            Map<String, Object> am = new LinkedHashMap<>();
            am.put("rule", a.rule());
            am.put("path", a.path());
            am.put("size", a.size());
            am.put("sha256", a.sha256());
            am.put("modified", a.modified());
            am.put("verdict", a.verdict());
            am.put("action", a.action());
            am.put("quarantinePath", a.quarantinePath());
            if (a.error() != null) {
                am.put("error", a.error());
            }
            if (a.detail() != null) {
                am.put("detail", a.detail());
            }
            actions.add(am);
        }
        m.put("actions", actions);
        m.put("outcome", v.outcome().wire());
        m.put("error", v.error());
        if (v.notes() != null && !v.notes().isEmpty()) {
            m.put("notes", v.notes());
        }
        if (v.diagnosis() != null) {
            m.put("diagnosis", diagnosis(v.diagnosis()));
        }
        return m;
    }

    /** The "diagnosis" object of a volume (docs/diagnosis.md); the dashboard reads these names. */
    static Map<String, Object> diagnosis(Diagnosis d) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Object> dumps = new ArrayList<>();
        for (Diagnosis.CrashDump c : d.crashDumps()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("file", c.file());
            cm.put("kind", c.kind());
            cm.put("time", c.time());
            cm.put("bugCheck", c.bugCheck());
            cm.put("bugCheckName", c.bugCheckName());
            cm.put("parameters", c.parameters());
            cm.put("faultingModule", c.faultingModule());
            cm.put("error", c.error());
            dumps.add(cm);
        }
        m.put("crashDumps", dumps);
        Diagnosis.PendingUpdates p = d.pendingUpdates();
        if (p == null) {
            m.put("pendingUpdates", null);
        } else {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("pending", p.pending());
            pm.put("evidence", p.evidence());
            pm.put("packages", p.packages());
            pm.put("revertCommand", p.revertCommand());
            m.put("pendingUpdates", pm);
        }
        List<Object> hives = new ArrayList<>();
        for (Diagnosis.HiveState h : d.hives()) {
            Map<String, Object> hm = new LinkedHashMap<>();
            hm.put("hive", h.hive());
            hm.put("dirty", h.dirty());
            hm.put("logs", h.logs());
            hm.put("error", h.error());
            hives.add(hm);
        }
        m.put("hives", hives);
        return m;
    }

    /**
     * The diagnosis of one volume object of a report read back ({@link #read}), or null when it has none.
     *
     * @throws IOException when a field has the wrong type
     */
    public static Diagnosis diagnosis(Map<String, Object> volume) throws IOException {
        Object d = volume.get("diagnosis");
        if (d == null) {
            return null;
        }
        Map<String, Object> m = map(d, "diagnosis");
        List<Diagnosis.CrashDump> dumps = new ArrayList<>();
        for (Object o : list(m.get("crashDumps"), "diagnosis.crashDumps")) {
            Map<String, Object> c = map(o, "diagnosis.crashDumps[]");
            dumps.add(new Diagnosis.CrashDump(text(c, "file"), text(c, "kind"), text(c, "time"), text(c, "bugCheck"), text(c, "bugCheckName"),
                    texts(c.get("parameters"), "parameters"), text(c, "faultingModule"), text(c, "error")));
        }
        Diagnosis.PendingUpdates pending = null;
        if (m.get("pendingUpdates") != null) {
            Map<String, Object> p = map(m.get("pendingUpdates"), "diagnosis.pendingUpdates");
            pending = new Diagnosis.PendingUpdates(Boolean.TRUE.equals(flag(p, "pending")), texts(p.get("evidence"), "evidence"),
                    texts(p.get("packages"), "packages"), text(p, "revertCommand"));
        }
        List<Diagnosis.HiveState> hives = new ArrayList<>();
        for (Object o : list(m.get("hives"), "diagnosis.hives")) {
            Map<String, Object> h = map(o, "diagnosis.hives[]");
            hives.add(new Diagnosis.HiveState(text(h, "hive"), flag(h, "dirty"), text(h, "logs"), text(h, "error")));
        }
        return new Diagnosis(dumps, pending, hives);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String what) throws IOException {
        if (!(o instanceof Map)) {
            throw new IOException(what + " must be an object");
        }
        return (Map<String, Object>) o;
    }

    private static List<?> list(Object o, String what) throws IOException {
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?> l)) {
            throw new IOException(what + " must be a list");
        }
        return l;
    }

    private static List<String> texts(Object o, String what) throws IOException {
        List<String> out = new ArrayList<>();
        for (Object e : list(o, what)) {
            if (!(e instanceof String s)) {
                throw new IOException(what + " must hold strings");
            }
            out.add(s);
        }
        return out;
    }

    private static String text(Map<String, Object> m, String field) throws IOException {
        Object v = m.get(field);
        if (v != null && !(v instanceof String)) {
            throw new IOException(field + " must be a string");
        }
        return (String) v;
    }

    private static Boolean flag(Map<String, Object> m, String field) throws IOException {
        Object v = m.get(field);
        if (v != null && !(v instanceof Boolean)) {
            throw new IOException(field + " must be true or false");
        }
        return (Boolean) v;
    }

    /** Reads a report back (outbox uploads, tests). */
    public static Map<String, Object> read(byte[] json) throws IOException {
        Map<String, Object> m = Json.readObject(json);
        if (!Report.SCHEMA.equals(Json.string(m, "schema"))) {
            throw new IOException("not a " + Report.SCHEMA + " report");
        }
        return m;
    }
}
