/** The VHD format (fixed and dynamic): footer and its copy, dynamic header, block table, its preflight and metadata map. */
package io.bootmedic.image.vhd;
