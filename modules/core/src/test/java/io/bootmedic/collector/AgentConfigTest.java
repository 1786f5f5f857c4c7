package io.bootmedic.collector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentConfigTest {
    @TempDir
    Path tmp;
    static final String PIN = "ab".repeat(32);

    @Test
    void writesAndReadsBackEveryField() throws Exception {
        AgentConfig c = new AgentConfig(URI.create("https://10.0.0.5:8443"), PIN, "bmagt_secret", 7);
        Path f = Files.writeString(tmp.resolve("agent.conf"), c.text());
        assertEquals(c, AgentConfig.read(f));
        assertFalse(c.toString().contains("bmagt_secret"), "the token never shows in logs or messages");
    }

    @Test
    void acceptsPinsAsAdminsPasteThemAndDefaultsWhatIsMissing() throws Exception {
        Path f = Files.writeString(tmp.resolve("agent.conf"), "collector.url=https://c:8443\ncollector.pin=SHA256:" + PIN.toUpperCase()
                .replaceAll("(..)(?!$)", "$1:") + "\ncollector.token=t\n");
        AgentConfig c = AgentConfig.read(f);
        assertEquals(PIN, c.pin());
        assertEquals(AgentConfig.DEFAULT_RETRY_SECONDS, c.retrySeconds());
        AgentConfig noPin = AgentConfig.read(Files.writeString(tmp.resolve("b.conf"), "collector.url=https://c\ncollector.pin=\n"));
        assertNull(noPin.pin(), "no pin: the runtime's CA store decides");
        assertNull(noPin.token());
    }

    @Test
    void aBrokenFileIsAnErrorThatNamesItAndTheField() throws Exception {
        for (String text : new String[]{"collector.pin=" + PIN, "collector.url=ftp://x", "collector.url=https://c\ncollector.pin=1234",
                "collector.url=https://c\ncollector.retrySeconds=soon"}) {
            Path f = Files.writeString(tmp.resolve("bad.conf"), text + "\n");
            IOException e = assertThrows(IOException.class, () -> AgentConfig.read(f), text);
            assertTrue(e.getMessage().contains("bad.conf"), e.getMessage());
        }
    }
}
