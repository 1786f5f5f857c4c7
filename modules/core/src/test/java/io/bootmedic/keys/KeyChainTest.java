package io.bootmedic.keys;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one key chain both doors walk: order, laziness, what a person is asked. */
class KeyChainTest {
    static final String ID = "64311DEA-4587-4029-924A-BA299647998E";
    static final RecoveryPassword GIVEN = parse("000011-000022-000033-000044-000055-000066-000077-000088");
    static final RecoveryPassword ESCROWED = parse("000110-000121-000132-000143-000154-000165-000176-000187");
    static final String TYPED = "000220-000231-000242-000253-000264-000275-000286-000297";

    static RecoveryPassword parse(String text) {
        try {
            return RecoveryPassword.parse(text);
        } catch (InvalidRecoveryPasswordException e) {
            throw new IllegalStateException(e);
        }
    }

    final List<String> asked = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    KeyChain.Remote collector(Optional<RecoveryPassword> answer) {
        return keyId -> {
            asked.add(keyId);
            return answer;
        };
    }

    static RecoveryPasswordPrompt person(String typed) {
        return new RecoveryPasswordPrompt(new BufferedReader(new StringReader(typed)), new PrintWriter(new StringWriter()), 8);
    }

    static List<String> sources(KeyChain.Candidates c) throws IOException {
        List<String> out = new ArrayList<>();
        for (Optional<KeyCandidate> k = c.next(); k.isPresent(); k = c.next()) {
            out.add(k.get().source());
        }
        return out;
    }

    @Test
    void sourcesComeInTheDocumentedOrderAndTheCollectorIsAskedOnlyWhenReached() throws IOException {
        KeyChain chain = new KeyChain(List.of(
                KeyChain.given(List.of(GIVEN), List.of(), List.of(Path.of("startup.bek")), "argument"),
                KeyChain.keyFiles(new KeyStore()),
                KeyChain.remote(collector(Optional.of(ESCROWED))),
                KeyChain.prompt(person(TYPED + "\n"), 3)));
        KeyChain.Candidates walk = chain.walk(List.of(ID), "C:", notes::add);

        assertEquals("argument", walk.next().orElseThrow().source());
        assertEquals("key-file", walk.next().orElseThrow().source(), "the startup key");
        assertEquals(List.of(), asked, "the collector is not asked while earlier keys are left to try");
        KeyCandidate escrowed = walk.next().orElseThrow();
        assertEquals("collector", escrowed.source());
        assertEquals(List.of(ID), asked);
        assertTrue(escrowed.what().contains("{" + ID + "}"), escrowed.what());
        assertEquals("prompt", walk.next().orElseThrow().source());
        assertTrue(walk.next().isEmpty());
    }

    @Test
    void theMachineSourcesAndThePersonAreSeparable() throws IOException {
        KeyChain chain = new KeyChain(List.of(KeyChain.given(List.of(GIVEN), List.of(), List.of(), "argument"),
                KeyChain.prompt(person(TYPED + "\n"), 3)));
        assertEquals(List.of("argument"), sources(chain.withoutPeople().walk(List.of(ID), "C:", notes::add)));
        assertEquals(List.of("prompt"), sources(chain.onlyPeople().walk(List.of(ID), "C:", notes::add)));
    }

    @Test
    void aPersonIsAskedAtMostTheRoundsGivenAndAnEmptyAnswerSkips() throws IOException {
        KeyChain three = new KeyChain(List.of(KeyChain.prompt(person((TYPED + "\n").repeat(5)), 3)));
        assertEquals(List.of("prompt", "prompt", "prompt"), sources(three.walk(List.of(ID), "C:", notes::add)));

        KeyChain skipped = new KeyChain(List.of(KeyChain.prompt(person("\n" + TYPED + "\n"), 3)));
        assertEquals(List.of(), sources(skipped.walk(List.of(ID), "C:", notes::add)));
        assertEquals(List.of("skipped at the prompt"), notes);

        KeyChain noId = new KeyChain(List.of(KeyChain.prompt(person(TYPED + "\n"), 3)));
        assertEquals(List.of(), sources(noId.walk(List.of(), "C:", notes::add)), "no recovery-password protector: nothing to type");
    }

    @Test
    void aCollectorThatHasNothingOrCannotBeAskedIsANoteNotAFailure() throws IOException {
        KeyChain none = new KeyChain(List.of(KeyChain.remote(collector(Optional.empty()))));
        assertEquals(List.of(), sources(none.walk(List.of(ID), "C:", notes::add)));
        KeyChain down = new KeyChain(List.of(KeyChain.remote(keyId -> {
            throw new IOException("connection refused");
        })));
        assertEquals(List.of(), sources(down.walk(List.of(ID), "C:", notes::add)));
        assertEquals(List.of("the collector has no recovery password for {" + ID + "}",
                "the collector could not be asked for {" + ID + "}: connection refused"), notes);
    }
}
