package io.bootmedic.cloud.gcp;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.cloud.compute.v1.DisksClient;
import com.google.cloud.compute.v1.DisksSettings;
import com.google.cloud.compute.v1.GlobalOperationsClient;
import com.google.cloud.compute.v1.GlobalOperationsSettings;
import com.google.cloud.compute.v1.InstancesClient;
import com.google.cloud.compute.v1.InstancesSettings;
import com.google.cloud.compute.v1.SnapshotsClient;
import com.google.cloud.compute.v1.SnapshotsSettings;
import com.google.cloud.compute.v1.ZoneOperationsClient;
import com.google.cloud.compute.v1.ZoneOperationsSettings;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The Compute Engine clients the route uses, on the REST transport (the library's default for Compute) with Application
 * Default Credentials, or, for tests, at another endpoint without credentials.
 */
record Compute(String project, InstancesClient instances, DisksClient disks, SnapshotsClient snapshots, ZoneOperationsClient zoneOperations,
        GlobalOperationsClient globalOperations) implements AutoCloseable {

    /** {@code endpoint} null: Google's; otherwise e.g. http://127.0.0.1:8080 (an emulator: no credentials are sent). */
    static Compute connect(String project, String endpoint) {
        try {
            CredentialsProvider creds = endpoint == null ? null : NoCredentialsProvider.create();
            InstancesSettings.Builder i = InstancesSettings.newBuilder();
            DisksSettings.Builder d = DisksSettings.newBuilder();
            SnapshotsSettings.Builder s = SnapshotsSettings.newBuilder();
            ZoneOperationsSettings.Builder z = ZoneOperationsSettings.newBuilder();
            GlobalOperationsSettings.Builder g = GlobalOperationsSettings.newBuilder();
            if (endpoint != null) {
                i.setEndpoint(endpoint).setCredentialsProvider(creds);
                d.setEndpoint(endpoint).setCredentialsProvider(creds);
                s.setEndpoint(endpoint).setCredentialsProvider(creds);
                z.setEndpoint(endpoint).setCredentialsProvider(creds);
                g.setEndpoint(endpoint).setCredentialsProvider(creds);
            }
            return new Compute(project, InstancesClient.create(i.build()), DisksClient.create(d.build()), SnapshotsClient.create(s.build()),
                    ZoneOperationsClient.create(z.build()), GlobalOperationsClient.create(g.build()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up the Compute Engine client: " + e.getMessage()
                    + " (Application Default Credentials: run 'gcloud auth application-default login' or set GOOGLE_APPLICATION_CREDENTIALS)", e);
        }
    }

    @Override
    public void close() {
        instances.close();
        disks.close();
        snapshots.close();
        zoneOperations.close();
        globalOperations.close();
    }
}
