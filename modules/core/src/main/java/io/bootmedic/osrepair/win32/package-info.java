/**
 * The thin Windows side of {@code io.bootmedic.osrepair}: the registry API through JNA (RegLoadKey with the backup and
 * restore privileges, RegOpenKeyEx, RegQueryValueEx, RegSetValueEx, RegFlushKey, RegUnLoadKey), the machine's boot
 * configuration stores through {@code platform.windows.MachineBcdStores}, and the wiring a target on Windows uses. No
 * logic worth a test lives here; none of it has run on real Windows yet (docs/windows-repairs.md).
 */
package io.bootmedic.osrepair.win32;
