package io.bootmedic.platform;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** Runs an external tool (manage-bde, bcdedit, shutdown). Implementations never log the arguments: they may hold a key. */
public interface CommandRunner {

    Result run(List<String> command, Duration timeout) throws IOException;

    /** Exit code and the combined stdout/stderr, decoded with the console code page. */
    record Result(int exitCode, String output) {
    }
}
