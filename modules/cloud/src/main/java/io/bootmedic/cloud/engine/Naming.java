package io.bootmedic.cloud.engine;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Invariant 4: every resource the run creates is named from the run's ID and the source VM's unique ID, whole, and
 * carries both as tags; something found under such a name is reused only when its tags say it is this run's, for this VM.
 * A name that would not fit the cloud's limit is refused (the VM is skipped before anything changes), never truncated.
 */
public final class Naming {
    public static final String TAG_RUN = "bootmedic-run";
    public static final String TAG_SOURCE = "bootmedic-source";
    private static final Pattern RUN = Pattern.compile("[a-z0-9]{8}");
    private static final Pattern UID = Pattern.compile("[A-Za-z0-9-]{1,64}");

    private final String runId;
    private final int maxLength;

    public Naming(String runId, int maxLength) {
        if (!validRunId(runId)) {
            throw new IllegalArgumentException("run ID must be 8 lower-case letters or digits: " + runId);
        }
        this.runId = runId;
        this.maxLength = maxLength;
    }

    public static boolean validRunId(String id) {
        return RUN.matcher(id).matches();
    }

    /** Why this VM's names cannot be made, or null. */
    public String refusal(String uid) {
        if (!UID.matcher(uid).matches()) {
            return "its unique ID '" + uid + "' has characters a resource name cannot hold";
        }
        String longest = name(uid, "snap", 999);
        if (longest.length() > maxLength) {
            return "the names made from its unique ID would be " + longest.length() + " characters, over the cloud's " + maxLength;
        }
        return null;
    }

    public String snapshot(String uid, int attempt) {
        return name(uid, "snap", attempt);
    }

    public String copy(String uid, int attempt) {
        return name(uid, "copy", attempt);
    }

    public String fix(String uid, int attempt) {
        return name(uid, "fix", attempt);
    }

    private String name(String uid, String what, int attempt) {
        // lower case: every cloud's names allow it; AWS, Azure (GUID), GCP (digits) and libvirt (UUID) IDs are case-insensitive
        return "bm-" + runId + "-" + uid.toLowerCase(java.util.Locale.ROOT) + "-" + what + attempt;
    }

    public Map<String, String> tags(String uid) {
        return Map.of(TAG_RUN, runId, TAG_SOURCE, uid);
    }

    public boolean ours(Map<String, String> tags, String uid) {
        return tags != null && runId.equals(tags.get(TAG_RUN)) && uid.equals(tags.get(TAG_SOURCE));
    }
}
