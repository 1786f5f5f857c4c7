package io.bootmedic.massremediation.azure;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

/** Not a test: keeps an emulator with a logged-in az up for manual runs (only when -Dazprobe=1). */
class AzLoginProbeTest {
    @Test
    void probe() throws Exception {
        if (System.getProperty("azprobe") == null) {
            return;
        }
        Path tmp = Files.createTempDirectory("azprobe");
        AzureRouteFixture f = new AzureRouteFixture(tmp);
        f.st.addWindowsVm("rg1", "vm1", "westeurope", "1");
        Files.writeString(Path.of("/tmp/azprobe.env"), "export AZURE_CONFIG_DIR=" + tmp.resolve("azure") + " HOME=" + tmp.resolve("home")
                + " REQUESTS_CA_BUNDLE=" + tmp.resolve("emulator-ca.pem") + " AZURE_CORE_COLLECT_TELEMETRY=false BOOTMEDIC_POLL_SECONDS=0.2 BOOTMEDIC_STAMP=20240719-0600 PATH=" + tmp.resolve("bin") + ":/usr/bin:/bin\n");
        Path stop = Path.of("/tmp/azprobe.stop");
        Files.deleteIfExists(stop);
        int last = 0;
        while (!Files.exists(stop)) {
            Thread.sleep(200);
            synchronized (f.az.arm.requests) {
                for (; last < f.az.arm.requests.size(); last++) {
                    Files.writeString(Path.of("/tmp/azprobe.log"), f.az.arm.requests.get(last) + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                }
            }
        }
        f.az.close();
    }
}
