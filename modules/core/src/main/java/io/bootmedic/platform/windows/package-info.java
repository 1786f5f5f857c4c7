/**
 * The Windows implementations of the platform ports: Win32 volume enumeration and mount points (JNA), BitLocker through
 * WMI with manage-bde as fallback, SMBIOS, OEM code pages. The only package that touches Win32 bindings (docs/design.md §9).
 */
package io.bootmedic.platform.windows;
