package io.bootmedic.cloud.azure;

import io.bootmedic.cloud.azure.arm.ArmEmulator;
import io.bootmedic.cloud.azure.arm.TestTls;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A request to the emulator without the SDK: what an old client (az rest) would send. */
final class RawArm {
    private RawArm() {
    }

    static HttpResponse<String> send(ArmEmulator arm, String method, String path, String apiVersion, String body) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("arm", TestTls.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpClient c = HttpClient.newBuilder().sslContext(ssl).build();
        HttpRequest r = HttpRequest.newBuilder(URI.create(arm.base + path + "?api-version=" + apiVersion)).header("Authorization", "Bearer " + ArmEmulator.TOKEN)
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        return c.send(r, HttpResponse.BodyHandlers.ofString());
    }
}
