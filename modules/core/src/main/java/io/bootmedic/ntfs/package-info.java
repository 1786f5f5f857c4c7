/**
 * NTFS through libntfs-3g (JNA) on the Java block stack: the NTFS {@code FileTree}, journal state, cluster extents.
 */
package io.bootmedic.ntfs;
