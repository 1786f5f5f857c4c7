package io.bootmedic.cloud.kvm;

import java.nio.file.Path;
import java.util.List;

/**
 * What the provider needs, checked: the connection, the domains in scope, and the route's policy flags.
 *
 * @param domains domain names from --domain and --csv
 * @param matching --all-matching: a regular expression over every defined domain's name (null: none)
 * @param diskTarget --disk: the boot disk by target name instead of the boot order (null: the boot order)
 * @param backupDir --backup-dir: where snapshots and copies go (null: next to each disk file)
 * @param shutdownTimeoutMillis --timeout: how long a guest has to power off after its ACPI shutdown
 * @param force --force: power the domain off after the timeout, and drop a managed save image before the swap
 * @param sharedStorage --shared-storage: a remote URI's disk paths are mounted here at the same paths (proven per file)
 * @param bootmedic --bootmedic/--jar: the command that runs bootmedic here (empty: this build's classes)
 * @param pass options passed to bootmedic fix (--config, --key-bundle, --passphrase-file, --outbox)
 * @param osFromImage --os-check image: a domain without libosinfo metadata is looked at (read only) for Windows
 */
record KvmSettings(String uri, List<String> domains, String matching, String diskTarget, Path backupDir, long shutdownTimeoutMillis, boolean force,
        boolean sharedStorage, List<String> bootmedic, List<String> pass, Path stateDir, String worker, int slots, boolean osFromImage,
        long virshTimeoutMillis) {

    /** A URI that names another host (qemu+ssh://host/system); test+unix:///default and qemu:///system are this one. */
    boolean remote() {
        return uri != null && uri.matches("^[A-Za-z0-9+.-]+://[^/].*");
    }
}
