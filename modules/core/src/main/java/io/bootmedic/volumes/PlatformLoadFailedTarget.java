package io.bootmedic.volumes;

import io.bootmedic.platform.PlatformPackaging;
import io.bootmedic.remediation.OpenedVolume;
import io.bootmedic.remediation.Target;
import io.bootmedic.remediation.UnopenedTargetException;
import io.bootmedic.report.RunMode;

import java.util.List;

/** {@code --all} where the platform's native code did not load: opening it fails with the packaging error, so the run still reports. */
public final class PlatformLoadFailedTarget implements Target {
    private final RunMode mode;
    private final LinkageError failure;

    public PlatformLoadFailedTarget(RunMode mode, LinkageError failure) {
        this.mode = mode;
        this.failure = failure;
    }

    @Override
    public RunMode mode() {
        return mode;
    }

    @Override
    public String describe() {
        return "every local disk";
    }

    @Override
    public List<OpenedVolume> open() throws UnopenedTargetException {
        throw new UnopenedTargetException(PlatformPackaging.explain(failure), failure);
    }
}
