package io.bootmedic.playbook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The repair actions of the playbook contract (docs/design.md): each parsed exactly, each bad field one line naming the rule. */
class RepairRuleParserTest {
    static Playbook parse(String rule) throws PlaybookException {
        return PlaybookParser.parse(("{\"id\":\"p\",\"title\":\"t\",\"rules\":[" + rule + "]}").getBytes(StandardCharsets.UTF_8), "test.json");
    }

    @Test
    void everyActionOfTheContractParses() throws Exception {
        Playbook p = parse("""
                {"action":"disable-service","service":"badflt","start":"disabled",
                 "when":{"file":"Windows/System32/drivers/badflt.sys","sha256":["AB%s"]}},
                {"action":"remove-filter","classGuid":"{4d36e967-e325-11ce-bfc1-08002be10318}","list":"UpperFilters","name":"badflt"},
                {"action":"set-registry","hive":"SYSTEM","key":"CurrentControlSet\\\\Control\\\\CrashControl","value":"AutoReboot","type":"REG_DWORD","data":0},
                {"action":"set-registry","hive":"SOFTWARE","key":"Policies\\\\x","value":"List","type":"REG_MULTI_SZ","data":["a","b"]},
                {"action":"safe-mode","mode":"minimal"},
                {"action":"boot-status-policy","policy":"IgnoreAllFailures"},
                {"action":"revert-pending-updates"},
                {"action":"remove-package","package":"Package_for_RollupFix~*"},
                {"directory":"Windows/System32/drivers/CrowdStrike","glob":"C-00000291*.sys","action":"quarantine"}
                """.formatted("0".repeat(62)));
        assertEquals(1, p.rules().size());
        assertEquals(8, p.repairs().size());
        assertEquals(9, p.ruleCount());
        RepairRule.DisableService d = (RepairRule.DisableService) p.repairs().get(0);
        assertEquals(4, d.start());
        assertEquals(List.of("ab" + "0".repeat(62)), d.when().sha256(), "hashes compared in lower case");
        assertEquals("p#1", d.id());
        RepairRule.SetRegistry s = (RepairRule.SetRegistry) p.repairs().get(2);
        assertEquals(0L, s.data());
        assertEquals(List.of("a", "b"), ((RepairRule.SetRegistry) p.repairs().get(3)).data());
        assertTrue(p.repairs().get(6).needsWindows() && p.repairs().get(7).needsWindows());
        assertFalse(p.repairs().get(4).needsWindows());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"action":"disable-service","service":"badflt","start":"off"}                                  | start must be
            {"action":"disable-service","service":"..\\\\x","start":"disabled"}                            | must be a service or driver name
            {"action":"disable-service","service":"badflt","start":"disabled","glob":"x"}                  | unknown field 'glob'
            {"action":"disable-service","start":"disabled"}                                                | needs the field 'service'
            {"action":"remove-filter","classGuid":"4d36e967","list":"UpperFilters","name":"x"}             | classGuid must be
            {"action":"remove-filter","classGuid":"{4d36e967-e325-11ce-bfc1-08002be10318}","list":"Filters","name":"x"} | list must be
            {"action":"set-registry","hive":"SAM","key":"a","value":"v","type":"REG_DWORD","data":1}       | hive must be
            {"action":"set-registry","hive":"SYSTEM","key":"\\\\a","value":"v","type":"REG_DWORD","data":1} | must be key names separated
            {"action":"set-registry","hive":"SYSTEM","key":"a\\\\..\\\\b","value":"v","type":"REG_DWORD","data":1} | must be key names separated
            {"action":"set-registry","hive":"SYSTEM","key":"a","value":"v","type":"REG_BINARY","data":1}   | type must be
            {"action":"set-registry","hive":"SYSTEM","key":"a","value":"v","type":"REG_DWORD","data":4294967296} | whole number from 0 to 4294967295
            {"action":"set-registry","hive":"SYSTEM","key":"a","value":"v","type":"REG_DWORD","data":-1}   | whole number
            {"action":"set-registry","hive":"SYSTEM","key":"a","value":"v","type":"REG_DWORD","data":1.5}  | whole number
            {"action":"set-registry","hive":"SYSTEM","key":"a","value":"v","type":"REG_SZ","data":7}       | must be a string
            {"action":"set-registry","hive":"SYSTEM","key":"a","value":"v","type":"REG_MULTI_SZ","data":["a",""]} | non-empty
            {"action":"safe-mode","mode":"safe"}                                                           | mode must be
            {"action":"boot-status-policy","policy":"Ignore"}                                              | policy must be
            {"action":"remove-package","package":"*"}                                                      | package must be
            {"action":"revert-pending-updates","package":"x"}                                              | unknown field 'package'
            {"action":"disable-service","service":"x","start":"disabled","when":{"file":"../x","exists":true}} | not a safe path
            {"action":"disable-service","service":"x","start":"disabled","when":{"file":"a","exists":true,"sha256":[]}} | exactly one of
            {"action":"disable-service","service":"x","start":"disabled","when":{"file":"a","sha256":["zz"]}} | not 64 hex digits
            {"action":"disable-service","service":"x","start":"disabled","when":{"file":"a","exists":"yes"}} | true or false
            {"action":"reboot"}                                                                            | unknown action 'reboot'
            """)
    void aBadRuleIsOneLineNamingTheRule(String rule, String says) {
        PlaybookException e = assertThrows(PlaybookException.class, () -> parse(rule));
        assertTrue(e.getMessage().contains(says), e.getMessage());
        assertTrue(e.getMessage().contains("rule 1 of playbook test.json"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
