/**
 * Where the Windows volumes come from: a mounted folder ({@code RootTarget}), a disk image or block device
 * ({@code ImageTarget}: container, partitions, BitLocker, NTFS), every disk of the machine bootmedic runs on
 * ({@code WindowsAllTarget}, built from the platform's {@code LocalVolumePorts}). Each is a {@code remediation.Target}.
 * Sits between the commands above and the engine below (docs/design.md §1).
 */
package io.bootmedic.volumes;
