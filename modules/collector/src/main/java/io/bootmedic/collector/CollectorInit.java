package io.bootmedic.collector;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;

/** Creates a collector's folder: certificate, master key, admin and agent tokens, agent.conf. */
public final class CollectorInit {
    /** What init made; the tokens are shown once and never again. */
    public record Created(String adminToken, String agentToken, String pin) {
        @Override
        public String toString() {
            return "Created[pin=" + pin + "]";
        }
    }

    private CollectorInit() {
    }

    public static Created run(CollectorDir dir, URI url, Set<String> extraHosts) throws IOException, GeneralSecurityException {
        if (Files.exists(dir.tokens()) || Files.exists(dir.masterKey())) {
            throw new IOException(dir.dir() + " already holds a collector (tokens.json, master.key). Refusing to overwrite it: "
                    + "its master key is the only way to read the escrowed recovery passwords. Use another --dir.");
        }
        Files.createDirectories(dir.dir());
        Set<String> hosts = new LinkedHashSet<>();
        hosts.add(url.getHost());
        hosts.addAll(extraHosts);

        byte[] pass = new byte[24];
        new SecureRandom().nextBytes(pass);
        char[] password = Base64.getUrlEncoder().withoutPadding().encodeToString(pass).toCharArray();
        KeyStore ks = Certificates.selfSigned(hosts, password, Duration.ofDays(825));
        var cert = ks.getCertificate(Certificates.ALIAS);
        java.io.ByteArrayOutputStream p12 = new java.io.ByteArrayOutputStream();
        ks.store(p12, password);
        CollectorDir.writeSecret(dir.keystore(), p12.toByteArray());
        CollectorDir.writeSecret(dir.keystorePassword(), new String(password).getBytes(StandardCharsets.US_ASCII));
        io.bootmedic.util.DurableFiles.write(dir.certificate(), Certificates.pem(cert).getBytes(StandardCharsets.US_ASCII));

        CollectorDir.writeSecret(dir.masterKey(), MasterKey.generate());
        String admin = Tokens.add(dir.tokens(), Tokens.Role.ADMIN, "made by init");
        String agent = Tokens.add(dir.tokens(), Tokens.Role.AGENT, "made by init (in agent.conf)");
        String pin = Certificates.pin(cert);
        CollectorDir.writeSecret(dir.adminToken(), (admin + "\n").getBytes(StandardCharsets.US_ASCII));
        CollectorDir.writeSecret(dir.agentConf(), new AgentConfig(url, pin, agent).text().getBytes(StandardCharsets.UTF_8));
        Files.createDirectories(dir.trustedKeys()); // the publishers' *.pub keys go here ('collector playbook publish')
        return new Created(admin, agent, pin);
    }
}
