package io.bootmedic.platform;

/**
 * What the operating system lends for working on its own disks (the --all route): enumerating
 * volumes, mounting them, BitLocker control, raw reads. A port, not a feature: the route that
 * uses them ({@code volumes.WindowsAllTarget}) lives with the other volume sources.
 *
 * @param raw reads a locked volume's FVE metadata when BitLocker's own tools give no key ID; may be null
 */
public record LocalVolumePorts(VolumeEnumerator volumes, MountPoints mounts, BitLockerControl bitLocker, RawVolumeReader raw) {
}
