/**
 * FAT12/16/32 as the EFI system partition uses it, read strictly from the Java block stack, and one write: a file's
 * bytes replaced in place, same length, in clusters proven to belong to that file alone. No FAT, directory or boot
 * sector byte is ever written, so the file system's metadata cannot be damaged by construction.
 */
package io.bootmedic.fat;
