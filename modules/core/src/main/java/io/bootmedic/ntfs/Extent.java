package io.bootmedic.ntfs;

/** A run of a file's data on the volume device: {@code length} bytes at byte {@code offset}. */
public record Extent(long offset, long length) {
}
