package io.bootmedic.cloud.gcp;

import io.bootmedic.cloud.provider.CloudException;
import io.bootmedic.cloud.provider.CloudException.Kind;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The IDs the engine sees: {@code zone/name} for instances and disks (a name is unique in its zone), the name for a
 * global snapshot. A pending create carries its operation after an '@' ({@code zone/name@operation-…}), so a read can
 * tell a failed create at once instead of waiting out a grace period.
 */
final class GcpIds {
    /** GCP resource names: RFC 1035, at most 63 characters. */
    static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern ZONAL_URL = Pattern.compile(".*/zones/([^/]+)/(?:instances|disks)/([^/]+)$");

    private GcpIds() {
    }

    record Zonal(String zone, String name, String operation) {
        String id() {
            return zone + "/" + name;
        }
    }

    static Zonal zonal(String id) {
        String op = null;
        int at = id.indexOf('@');
        if (at >= 0) {
            op = id.substring(at + 1);
            id = id.substring(0, at);
        }
        int slash = id.indexOf('/');
        if (slash <= 0 || slash != id.lastIndexOf('/')) {
            throw new CloudException(Kind.FATAL, "not a GCP zone/name ID: " + id);
        }
        return new Zonal(id.substring(0, slash), id.substring(slash + 1), op);
    }

    /** zone/name from a resource URL (full or partial): a disk's users, an attached disk's source. */
    static String fromUrl(String url) {
        Matcher m = ZONAL_URL.matcher(url);
        return m.matches() ? m.group(1) + "/" + m.group(2) : null;
    }

    static String last(String url) {
        return url == null ? null : url.substring(url.lastIndexOf('/') + 1);
    }

    static String zoneOf(String url) {
        return last(url);
    }

    /** The partial URL the API accepts in request bodies. */
    static String diskUrl(String project, String diskId) {
        Zonal z = zonal(diskId);
        return "projects/" + project + "/zones/" + z.zone() + "/disks/" + z.name();
    }

    static String snapshotUrl(String project, String name) {
        return "projects/" + project + "/global/snapshots/" + name;
    }
}
