/**
 * Reading untrusted bytes: the bounds-checked little-endian view ({@link io.bootmedic.format.LeBytes}),
 * exact arithmetic and allocation caps ({@link io.bootmedic.format.Exact}) and the common error
 * type of every parser ({@link io.bootmedic.format.FormatException}), and the one filter for text from those inputs
 * on its way to a terminal or a log ({@link io.bootmedic.format.Printable}). Every format reader of the
 * pipeline (image, partition table, BitLocker, registry, keys, bundle, playbook, journal, report)
 * builds on this package; it depends on nothing but the JDK.
 */
package io.bootmedic.format;
