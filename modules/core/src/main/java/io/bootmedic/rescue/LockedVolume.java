package io.bootmedic.rescue;

/** A BitLocker volume that stayed locked in the last scan: what the prompt names when asking for its recovery password. */
public record LockedVolume(String disk, String volumeId, String computerName, String recoveryKeyId) {
}
