/**
 * The block stack every layer shares: positional devices over files and block devices, layers stacked on them, the image
 * lock that keeps a running VM and bootmedic from writing one image at once, and the write guard that refuses any data
 * write into a container's declared metadata (docs/design.md, "Do no harm, by construction").
 */
package io.bootmedic.image.block;
