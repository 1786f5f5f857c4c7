package io.bootmedic.cloud.kvm;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The KVM route's options: the old scripts/kvm/remediate.sh flags, same names and meanings, plus --parallel, --os-check and --state-dir. */
public final class KvmOptions {
    @Option(names = "--domain", paramLabel = "NAME", description = "A domain to repair (repeatable).")
    List<String> domains = new ArrayList<>();

    @Option(names = "--csv", paramLabel = "FILE", description = "Lines 'domain' or 'connect_uri,domain' (a header line and # comments are skipped).")
    Path csv;

    @Option(names = "--all-matching", paramLabel = "REGEX", description = "Every defined domain whose name matches the regular expression.")
    String matching;

    @Option(names = {"-c", "--connect"}, paramLabel = "URI", description = "libvirt URI, as virsh -c (default: virsh's: LIBVIRT_DEFAULT_URI or qemu:///system).")
    String connect;

    @Option(names = "--disk", paramLabel = "TARGET", description = "The boot disk by target name (vda, sda) instead of the boot order.")
    String disk;

    @Option(names = "--backup-dir", paramLabel = "DIR", description = "Where the snapshots and copies go (default: next to each disk file).")
    Path backupDir;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300", description = "How long a guest has to power off after its ACPI shutdown (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--force", description = "After --timeout, power the domain off (virsh destroy); drop a managed save image before the swap.")
    boolean force;

    @Option(names = "--no-start", description = "(not available with the engine yet: it starts every domain it stopped)")
    boolean noStart;

    @Option(names = "--shared-storage", description = "The URI names another host whose disk paths are mounted here at the same paths (proven per file).")
    boolean sharedStorage;

    @Option(names = "--bootmedic", paramLabel = "PATH", description = "Run this bootmedic for the fix (default: this build's own classes).")
    Path bootmedic;

    @Option(names = "--jar", paramLabel = "FILE", description = "Run java -jar FILE for the fix.")
    Path jar;

    @Option(names = "--config", paramLabel = "FILE", description = "Passed to bootmedic fix.")
    Path config;

    @Option(names = "--key-bundle", paramLabel = "FILE", description = "Passed to bootmedic fix.")
    Path keyBundle;

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "Passed to bootmedic fix.")
    Path passphraseFile;

    @Option(names = "--outbox", paramLabel = "DIR", description = "Passed to bootmedic fix.")
    Path outbox;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "2", description = "Copies repaired at once on this host (default ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--os-check", paramLabel = "metadata|image", defaultValue = "metadata",
            description = "How a domain is known to be Windows: its libosinfo metadata only (default), or, without it, a read-only look at its image.")
    String osCheck;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Where the route keeps its catalog of copies and its fix commands' records"
            + " (default /var/lib/bootmedic/kvm as root, else ~/.local/state/bootmedic/kvm). Keep it for resume and rollback.")
    Path stateDir;
}
