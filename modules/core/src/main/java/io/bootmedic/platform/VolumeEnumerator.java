package io.bootmedic.platform;

import java.io.IOException;
import java.util.List;

/** Every volume of every disk, including those without a drive letter and those BitLocker keeps locked. */
public interface VolumeEnumerator {
    List<VolumeInfo> volumes() throws IOException;
}
