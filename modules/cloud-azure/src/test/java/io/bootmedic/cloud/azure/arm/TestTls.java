package io.bootmedic.cloud.azure.arm;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;

/** A throw-away self-signed certificate for 127.0.0.1, made by the JDK's keytool (the SDK sends tokens over HTTPS only). */
public final class TestTls {
    public static final char[] PASSWORD = "emulator".toCharArray();
    private static KeyStore store;

    private TestTls() {
    }

    public static synchronized KeyStore keyStore() throws Exception {
        if (store == null) {
            Path dir = Files.createTempDirectory("bm-arm-tls");
            Path ks = dir.resolve("arm.p12");
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "arm", "-keyalg", "EC",
                    "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore",
                    ks.toString(), "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + new String(out, java.nio.charset.StandardCharsets.UTF_8));
            }
            KeyStore k = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(ks)) {
                k.load(in, PASSWORD);
            }
            Files.delete(ks);
            Files.delete(dir);
            store = k;
        }
        return store;
    }

    public static X509Certificate certificate() throws Exception {
        return (X509Certificate) keyStore().getCertificate("arm");
    }
}
