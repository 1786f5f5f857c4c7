package io.bootmedic.collector.client;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts exactly one certificate, named by the SHA-256 of its encoding (the pin in agent.conf).
 * Boot media cannot rely on a CA store or on DNS names inside an incident network; the pin is
 * stronger than both, so the host name is not checked in addition.
 */
final class PinnedTrust implements X509TrustManager {
    private final String pin;

    private PinnedTrust(String pin) {
        this.pin = pin;
    }

    static SSLContext context(String pin) throws GeneralSecurityException {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[]{new PinnedTrust(pin)}, null);
        return tls;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the collector sent no certificate");
        }
        String actual;
        try {
            actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new CertificateException(e);
        }
        if (!MessageDigest.isEqual(actual.getBytes(java.nio.charset.StandardCharsets.US_ASCII), pin.getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
            throw new CertificateException("certificate pin mismatch: the server's certificate has SHA-256 " + actual + ", agent.conf expects " + pin);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
