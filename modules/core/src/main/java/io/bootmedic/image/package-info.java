/**
 * Opening a disk image or device: recognises the container by content ({@link io.bootmedic.image.ImageOpener}) and finds
 * the Windows partitions on it. Each container format has its own package (qcow2, vhdx, vhd) holding its structures, its
 * preflight and its metadata map; partition tables are in {@code partition}; the shared block stack, the write guard and
 * the image lock are in {@code block}. Every length and offset from the disk is checked before use (docs/design.md, block stack).
 */
package io.bootmedic.image;
