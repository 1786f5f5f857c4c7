/** Hyper-V's VHDX format ([MS-VHDX]): headers, region tables, metadata, the block table, its preflight and metadata map. */
package io.bootmedic.image.vhdx;
