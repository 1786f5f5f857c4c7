package io.bootmedic.cloud.kvm;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;
import io.bootmedic.cloud.provider.Model.Power;

/** What libvirt says of a domain, read with three virsh calls: its state, whether it is persistent or saved, and its definition. */
final class Domains {
    private final Virsh virsh;
    private final String diskTarget;

    Domains(Virsh virsh, String diskTarget) {
        this.virsh = virsh;
        this.diskTarget = diskTarget;
    }

    record Domain(String state, boolean persistent, boolean managedSave, DomainXml xml) {
    }

    Domain read(String uuid) {
        String state = virsh.run("domstate", uuid).lines().findFirst().orElse("").strip();
        String info = virsh.run("dominfo", uuid);
        boolean persistent = info.lines().anyMatch(l -> l.matches("Persistent:\\s*yes"));
        boolean saved = info.lines().anyMatch(l -> l.matches("Managed save:\\s*yes"));
        return new Domain(state, persistent, saved, DomainXml.parse(virsh.run("dumpxml", "--inactive", "--security-info", uuid)));
    }

    /** The boot disk, with a storage-pool volume resolved to its file ({@code virsh vol-path}). */
    DomainXml.BootDisk boot(Domain d) {
        DomainXml.BootDisk b = d.xml().bootDisk(diskTarget);
        if (!b.isVolume() || b.refusal() != null) {
            return b;
        }
        try {
            String path = virsh.run("vol-path", "--pool", b.pool(), b.volume()).strip();
            return new DomainXml.BootDisk(path, b.format(), b.target(), null, b.pool(), b.volume());
        } catch (CloudException e) {
            if (e.kind() != Kind.NOT_FOUND && e.kind() != Kind.FATAL) {
                throw e;
            }
            return new DomainXml.BootDisk(null, b.format(), b.target(), "its boot disk " + b.target() + " is volume " + b.volume() + " of pool " + b.pool()
                    + ", which libvirt cannot resolve to a file (" + e.getMessage() + ")", b.pool(), b.volume());
        }
    }

    static Power power(String domstate) {
        return switch (domstate) {
            case "shut off" -> Power.STOPPED;
            case "in shutdown", "dying" -> Power.STOPPING;
            // paused, pmsuspended and crashed keep a qemu that holds the disk: it is stopped like a running one (destroy with --force)
            default -> Power.RUNNING;
        };
    }

}
