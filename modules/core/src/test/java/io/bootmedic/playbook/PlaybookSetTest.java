package io.bootmedic.playbook;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Versions, combining the primary playbook with the collector's, and the one verification both collector and agent run. */
class PlaybookSetTest {
    static byte[] json(String id, String version, String ruleId) {
        return ("{\"id\":\"" + id + "\",\"title\":\"t\"" + (version == null ? "" : ",\"version\":" + version) + ",\"rules\":[{"
                + (ruleId == null ? "" : "\"id\":\"" + ruleId + "\",")
                + "\"directory\":\"Windows/System32/drivers/CrowdStrike\",\"glob\":\"C-00000290*.sys\",\"action\":\"quarantine\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void versionIsAStringOrAWholeNumberAndDefaultsToOne() throws Exception {
        assertEquals("1", PlaybookParser.parse(json("a", null, null), "t").version());
        assertEquals("7", PlaybookParser.parse(json("a", "7", null), "t").version());
        assertEquals("2024.07-b", PlaybookParser.parse(json("a", "\"2024.07-b\"", null), "t").version());
        for (String bad : new String[]{"1.5", "true", "\"\"", "\"a b\"", "[1]", "\"" + "x".repeat(65) + "\""}) {
            PlaybookException e = assertThrows(PlaybookException.class, () -> PlaybookParser.parse(json("a", bad, null), "t"), bad);
            assertTrue(e.getMessage().contains("'version'"), e.getMessage());
        }
        assertEquals("1", PlaybookLoader.builtin().version());
    }

    @Test
    void combinedRulesSayWhichPlaybookTheyCameFromAndDuplicatesAreRefused() throws Exception {
        Playbook builtin = PlaybookLoader.builtin();
        Playbook named = PlaybookParser.parse(json("acme", "3", "cf290"), "t").from(PublishedPlaybook.SOURCE, "00112233445566aa", "k1");
        Playbook unnamed = PlaybookParser.parse(json("other", null, null), "t").from(PublishedPlaybook.SOURCE, "00112233445566bb", "k1");
        Playbook sameIdAgain = PlaybookParser.parse(json("acme", "4", null), "t").from(PublishedPlaybook.SOURCE, "00112233445566cc", "k1");
        PlaybookSet set = PlaybookSet.of(builtin).plus(List.of(named, unnamed, sameIdAgain), List.of(new PlaybookSet.Refusal("ff", "bad")));
        assertEquals(List.of(builtin, named, unnamed), set.playbooks());
        assertEquals(List.of("00112233445566cc", "ff"), set.refused().stream().map(PlaybookSet.Refusal::publication).toList());
        Playbook combined = set.combined();
        assertEquals(builtin.id(), combined.id());
        List<String> ids = combined.rules().stream().map(Rule::id).toList();
        assertEquals(builtin.rules().get(0).id(), ids.get(0), "the primary playbook's rules keep their ids");
        assertEquals(List.of("acme/cf290@3", "other#1@1"), ids.subList(builtin.rules().size(), ids.size()));
        assertEquals(builtin, PlaybookSet.of(builtin).combined(), "one playbook is applied as it is");
    }

    @Test
    void publishedPlaybooksVerifyAgainstTheGivenKeysOnly() throws Exception {
        SigningKey key = SigningKey.generate();
        byte[] body = json("acme", "2", null);
        byte[] sig = PlaybookSignature.sign(body, key);
        String id = PublishedPlaybook.publicationId(body);
        assertTrue(id.matches("[0-9a-f]{16}"));
        Playbook p = PublishedPlaybook.verify(id, body, sig, List.of(key.verifyingKey()));
        assertEquals("collector", p.source());
        assertEquals(id, p.publication());
        assertEquals(key.verifyingKey().id(), p.signedBy());
        assertEquals("2", p.version());

        List<VerifyingKey> none = List.of();
        assertTrue(assertThrows(PlaybookException.class, () -> PublishedPlaybook.verify(id, body, sig, none)).getMessage().contains("not trusted"));
        assertTrue(assertThrows(PlaybookException.class, () -> PublishedPlaybook.verify(id, body, new byte[0], List.of(key.verifyingKey())))
                .getMessage().contains("not signed"));
        byte[] changed = body.clone();
        changed[changed.length - 3] ^= 1;
        assertTrue(assertThrows(PlaybookException.class, () -> PublishedPlaybook.verify(id, changed, sig, List.of(key.verifyingKey())))
                .getMessage().contains("changed after signing"));
        // signed bytes served under another publication id
        assertTrue(assertThrows(PlaybookException.class, () -> PublishedPlaybook.verify("0000000000000000", body, sig, List.of(key.verifyingKey())))
                .getMessage().contains("publication id"));
        byte[] big = new byte[(int) PlaybookLoader.MAX_PLAYBOOK_BYTES + 1];
        assertTrue(assertThrows(PlaybookException.class, () -> PublishedPlaybook.verify(null, big, sig, List.of(key.verifyingKey())))
                .getMessage().contains("at most"));
    }
}
