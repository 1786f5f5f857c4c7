package io.bootmedic.cloud.kvm;

import io.bootmedic.cloud.provider.CloudException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * --shared-storage: the domain runs on another host, whose disk path is trusted to be mounted here at the same path only
 * when libvirt on that host shows the same file. libvirt publishes no inode, so the proof is its storage volume's
 * timestamps ({@code virsh vol-dumpxml PATH}: mtime and ctime to the nanosecond, which every write and every rename,
 * chmod or link changes) against this host's stat of the path; a path no storage pool there holds cannot be proven and
 * is refused.
 */
final class SharedStorage {
    private static final Pattern TIME = Pattern.compile("<(mtime|ctime)>(\\d+)(?:\\.(\\d{1,9}))?</\\1>");

    private SharedStorage() {
    }

    /** Why {@code path} cannot be trusted to be the remote domain's disk, or null. */
    static String refusal(Virsh virsh, Path path) {
        String xml;
        try {
            xml = virsh.run("vol-dumpxml", path.toString());
        } catch (CloudException e) {
            return "--shared-storage: cannot prove that " + path + " here is the file the domain uses on " + virsh.uri() + " (" + e.getMessage()
                    + "). Define a storage pool there for its folder (virsh -c URI pool-define-as NAME dir --target DIR; pool-start NAME)"
                    + " and run again, or run bootmedic on that host";
        }
        try {
            Matcher m = TIME.matcher(xml);
            String remoteM = null, remoteC = null;
            while (m.find()) {
                String v = m.group(2) + "." + String.format("%-9s", m.group(3) == null ? "" : m.group(3)).replace(' ', '0');
                if (m.group(1).equals("mtime")) {
                    remoteM = v;
                } else {
                    remoteC = v;
                }
            }
            String localM = stamp(Files.getLastModifiedTime(path));
            String localC = stamp((FileTime) Files.getAttribute(path, "unix:ctime"));
            if (remoteM == null || remoteC == null) {
                return "--shared-storage: libvirt on " + virsh.uri() + " shows no timestamps for " + path + ": it cannot be proven to be the same file";
            }
            if (!remoteM.equals(localM) || !remoteC.equals(localC)) {
                return "--shared-storage: " + path + " here is not the file the domain uses on " + virsh.uri() + " (there: mtime " + remoteM + " ctime "
                        + remoteC + "; here: mtime " + localM + " ctime " + localC + "): check the mount";
            }
            return null;
        } catch (IOException e) {
            return "--shared-storage: " + path + " cannot be read here (" + e.getMessage() + ")";
        }
    }

    private static String stamp(FileTime t) {
        java.time.Instant i = t.toInstant();
        return i.getEpochSecond() + "." + String.format("%09d", i.getNano());
    }
}
