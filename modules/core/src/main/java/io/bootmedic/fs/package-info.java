/**
 * The file-tree interface every volume is seen through, safe case-insensitive path walking that refuses reparse points
 * and links, the local (mounted) tree, and file digests.
 */
package io.bootmedic.fs;
