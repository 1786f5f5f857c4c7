/** Partition tables: GPT (CRC-checked, with the backup header) and MBR with logical partitions. */
package io.bootmedic.image.partition;
