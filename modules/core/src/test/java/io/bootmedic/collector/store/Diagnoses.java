package io.bootmedic.collector.store;

import io.bootmedic.util.Json;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Report v1 bodies with a volume {@code diagnosis} in the shape agents send (issue 25), for the crash tests. */
public final class Diagnoses {
    private Diagnoses() {
    }

    /** One crash-dump entry as the agent writes it; {@code time} and {@code module} may be null. */
    public static Map<String, Object> dump(String file, String time, String bugCheck, String name, String module) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("file", file);
        d.put("kind", "triage");
        d.put("time", time);
        d.put("bugCheck", bugCheck);
        d.put("bugCheckName", name);
        d.put("parameters", List.of("0xffffd00c7f3e0000", "0x0", "0xfffff8036b2a1f3c", "0x2"));
        d.put("faultingModule", module);
        d.put("error", null);
        return d;
    }

    /** The pending-updates object of a volume whose pending.xml names {@code packages}. */
    public static Map<String, Object> pending(String... packages) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("pending", true);
        p.put("evidence", List.of("Windows/WinSxS/pending.xml"));
        p.put("packages", Arrays.asList(packages));
        p.put("revertCommand", "DISM /Image:C:\\ /Cleanup-Image /RevertPendingActions");
        return p;
    }

    public static Map<String, Object> noPending() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("pending", false);
        p.put("evidence", List.of());
        p.put("packages", List.of());
        p.put("revertCommand", null);
        return p;
    }

    /** A diagnosis with these dumps, this pending-updates object (may be null) and one dirty hive. */
    public static Map<String, Object> diagnosis(List<Map<String, Object>> dumps, Map<String, Object> pending) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("crashDumps", new ArrayList<>(dumps));
        d.put("pendingUpdates", pending);
        Map<String, Object> hive = new LinkedHashMap<>();
        hive.put("hive", "SYSTEM");
        hive.put("dirty", true);
        hive.put("logs", "replays cleanly: 22 entries from SYSTEM.LOG1");
        hive.put("error", null);
        d.put("hives", List.of(hive));
        return d;
    }

    /** A report of {@code computer} (BIOS serial {@code serial}) whose one volume carries {@code diagnosis} (null: none, as older agents send). */
    public static Map<String, Object> report(String runId, String computer, String serial, String finishedAt, Map<String, Object> diagnosis) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("schema", "bootmedic.report/v1");
        r.put("runId", runId);
        r.put("agentVersion", "0.1.0");
        r.put("startedAt", finishedAt);
        r.put("finishedAt", finishedAt);
        r.put("mode", "winpe");
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("biosSerial", serial);
        host.put("hypervisorVmId", null);
        r.put("host", host);
        r.put("outcome", "clean");
        Map<String, Object> windows = new LinkedHashMap<>();
        windows.put("computerName", computer);
        windows.put("productName", "Windows 11 Enterprise");
        windows.put("build", "22631");
        Map<String, Object> bitlocker = new LinkedHashMap<>();
        bitlocker.put("state", "none");
        Map<String, Object> volume = new LinkedHashMap<>();
        volume.put("volumeId", "vol-" + computer);
        volume.put("windows", windows);
        volume.put("bitlocker", bitlocker);
        volume.put("actions", List.of());
        volume.put("outcome", "clean");
        if (diagnosis != null) {
            volume.put("diagnosis", diagnosis);
        }
        r.put("volumes", List.of(volume));
        return r;
    }

    public static byte[] bytes(Map<String, Object> report) {
        return Json.write(report);
    }
}
