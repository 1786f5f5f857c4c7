package io.bootmedic.cloud.azure;

import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.DefaultAzureCredentialBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * DefaultAzureCredential works with the dependencies this module keeps (msal4j's token-cache persistence is excluded):
 * with no login it fails as "unavailable", not with a missing class (and with one, it gets a token).
 */
class CredentialTest {
    @Test
    void defaultAzureCredentialBuildsAndFailsCleanlyWithoutALogin() {
        var cred = new DefaultAzureCredentialBuilder().build();
        try {
            cred.getToken(new TokenRequestContext().addScopes("https://management.azure.com/.default")).block(Duration.ofSeconds(60));
        } catch (RuntimeException e) { // no login on this machine: "unavailable", from every credential of the chain
            for (Throwable t = e; t != null; t = t.getCause()) {
                assertFalse(t instanceof LinkageError, String.valueOf(t));
            }
        }
    }
}
