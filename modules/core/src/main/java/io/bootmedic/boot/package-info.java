/**
 * The boot configuration (BCD) of an offline machine: which entry boots by default, its safe-mode and boot status
 * policy elements, planned against the store and written with the registry editor onto the EFI system partition,
 * journalled on the host (the partition is FAT and has no room for a journal bootmedic could trust).
 */
package io.bootmedic.boot;
