/**
 * Repair rules applied through Windows itself when bootmedic runs on Windows (WinPE, WinRE, safe mode; {@code --all},
 * {@code --root C:\}), issue 25: registry rules through the registry API on a copy of the hive (the OS replays its
 * logs), swapped in under the run's journal; DISM for updates; bcdedit for the boot configuration. Every call into the
 * OS goes through a seam ({@link io.bootmedic.osrepair.RegistryApi}, {@link io.bootmedic.platform.CommandRunner},
 * {@link io.bootmedic.osrepair.BcdStores}); the logic here is tested on Linux against strict fakes and recorded output.
 * The JNA and process code is in {@code osrepair.win32}. Sits beside the registry writer: uses remediation (the
 * journal), playbook, registry (to read back what the OS wrote) and platform; nothing below uses it.
 */
package io.bootmedic.osrepair;
