/**
 * BitLocker on any host: the FVE metadata, key protectors (recovery password, startup key, clear key), the sector
 * ciphers, and the decrypting block device that feeds NTFS.
 */
package io.bootmedic.bitlocker;
