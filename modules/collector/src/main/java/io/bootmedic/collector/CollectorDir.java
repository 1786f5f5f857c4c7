package io.bootmedic.collector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** The files of one collector, all in one folder made by {@code collector init}. */
public record CollectorDir(Path dir) {
    public Path keystore() {
        return dir.resolve("server.p12");
    }

    public Path keystorePassword() {
        return dir.resolve("server.p12.pass");
    }

    public Path certificate() {
        return dir.resolve("server.crt");
    }

    public Path tokens() {
        return dir.resolve("tokens.json");
    }

    public Path masterKey() {
        return dir.resolve("master.key");
    }

    public Path agentConf() {
        return dir.resolve("agent.conf");
    }

    public Path adminToken() {
        return dir.resolve("admin.token");
    }

    /** The folder of playbook public keys (*.pub) the fleet should trust; the dashboard's "Armed" page checks machines against it. */
    public static final String TRUSTED_KEYS = "trusted-keys";

    public Path trustedKeys() {
        return dir.resolve(TRUSTED_KEYS);
    }

    public Path accessLog() {
        return dir.resolve("access.log");
    }

    /** The password of server.p12, as init stored it. */
    public char[] keystorePasswordChars() throws IOException {
        return Files.readString(keystorePassword(), java.nio.charset.StandardCharsets.US_ASCII).strip().toCharArray();
    }

    /** The collector's TLS key and certificate, opened with {@code password}. */
    public java.security.KeyStore loadKeystore(char[] password) throws IOException, java.security.GeneralSecurityException {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keystore())) {
            ks.load(in, password);
        }
        return ks;
    }

    /** Whether init has run here (the files the server cannot start without). */
    public boolean initialized() {
        return Files.isRegularFile(tokens()) && Files.isRegularFile(masterKey()) && Files.isRegularFile(keystore());
    }

    /** Creates {@code file} (when asked) readable and writable by its owner only, or narrows an existing one to that. */
    public static void ownerOnly(Path file, boolean create) throws IOException {
        try {
            var mode = PosixFilePermissions.fromString("rw-------");
            if (create && !Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(mode));
            } else if (Files.exists(file)) {
                Files.setPosixFilePermissions(file, mode);
            }
        } catch (UnsupportedOperationException e) {
            // Windows: the folder's ACL protects it
        } catch (java.nio.file.FileAlreadyExistsException e) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
    }

    /**
     * Writes a secret (or tokens.json: hashes, roles and labels) readable by its owner only where the
     * file system has POSIX permissions: created 0600, never briefly readable by others, and replaced
     * atomically.
     */
    public static void writeSecret(Path file, byte[] content) throws IOException {
        io.bootmedic.util.DurableFiles.writeOwnerOnly(file, content);
    }
}
