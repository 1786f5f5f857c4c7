/**
 * The block stack below a volume: files and devices, container formats (VHD, VHDX, qcow2; others recognised and refused),
 * partition tables (GPT, MBR). Every length and offset from the disk is checked before use (docs/design.md, block stack).
 */
package io.bootmedic.image;
