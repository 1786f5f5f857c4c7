/** QEMU's qcow2 format: header, L1/L2 tables, refcounts, backing chain, its preflight and metadata map. */
package io.bootmedic.image.qcow2;
