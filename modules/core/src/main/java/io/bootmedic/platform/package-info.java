/**
 * What bootmedic needs from the operating system, as interfaces (ports): volumes, mount points, BitLocker control,
 * raw volume reads, machine identity. {@code windows} and {@code linux} implement them and never see each other;
 * {@code PlatformFactory} picks one by name (docs/design.md §9).
 */
package io.bootmedic.platform;
