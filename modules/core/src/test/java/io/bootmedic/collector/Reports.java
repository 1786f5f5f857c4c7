package io.bootmedic.collector;

import io.bootmedic.util.Json;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Report v1 bodies for collector tests. */
final class Reports {
    private Reports() {
    }

    static Map<String, Object> report(String computerName, String biosSerial, String outcome, String finishedAt) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("schema", "bootmedic.report/v1");
        r.put("runId", UUID.randomUUID().toString());
        r.put("agentVersion", "0.1.0");
        r.put("startedAt", finishedAt);
        r.put("finishedAt", finishedAt);
        r.put("mode", "winpe");
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("biosSerial", biosSerial);
        host.put("hypervisorVmId", null);
        r.put("host", host);
        r.put("outcome", outcome);
        Map<String, Object> windows = new LinkedHashMap<>();
        windows.put("computerName", computerName);
        windows.put("productName", "Windows 11 Enterprise");
        windows.put("build", "22631");
        Map<String, Object> bitlocker = new LinkedHashMap<>();
        bitlocker.put("state", "none");
        Map<String, Object> volume = new LinkedHashMap<>();
        volume.put("volumeId", "vol-" + computerName);
        volume.put("windows", windows);
        volume.put("bitlocker", bitlocker);
        volume.put("actions", List.of());
        volume.put("outcome", outcome.equals("fixed") ? "fixed" : "clean");
        r.put("volumes", List.of(volume));
        return r;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> withUsedKey(Map<String, Object> report, String keyId, String source) {
        Map<String, Object> volume = ((List<Map<String, Object>>) report.get("volumes")).get(0);
        Map<String, Object> bl = new LinkedHashMap<>();
        bl.put("state", "unlocked");
        bl.put("method", "XTS-AES-128");
        bl.put("recoveryKeyId", "{" + keyId + "}");
        bl.put("keySource", source);
        bl.put("recoveryPasswordUsed", true);
        volume.put("bitlocker", bl);
        return report;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> withLockedVolume(Map<String, Object> report, String keyId) {
        Map<String, Object> volume = ((List<Map<String, Object>>) report.get("volumes")).get(0);
        Map<String, Object> bl = new LinkedHashMap<>();
        bl.put("state", "locked");
        bl.put("method", "XTS-AES-128");
        bl.put("recoveryKeyId", keyId);
        bl.put("keySource", null);
        bl.put("recoveryPasswordUsed", false);
        volume.put("bitlocker", bl);
        volume.put("outcome", "locked");
        return report;
    }

    static byte[] bytes(Map<String, Object> report) {
        return Json.write(report);
    }
}
