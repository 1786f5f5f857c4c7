package io.bootmedic.cloud.azure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shell a managed run command runs on the worker: scripts/lib/worker-fix.sh (packaged with this module, sent
 * base64-encoded, as the old remediate.sh did) with the LUN, the expected size and the operator's pass-through options;
 * and what its output says. Before a fix starts, the same script's {@code --release} check must find nothing holding
 * the device: a writer left over from an earlier run command (killed handler, orphaned bootmedic) refuses a second one.
 */
final class WorkerScript {
    private static final Pattern EXIT = Pattern.compile("(?m)^BOOTMEDIC_EXIT=(\\d+)\\s*$");
    private static final Pattern FIXED = Pattern.compile("(?m)^FIXED:");
    private static final Pattern RELEASED = Pattern.compile("(?m)^BOOTMEDIC_RELEASED=");
    private static final String SOURCE = load();

    private final List<String> pass;

    /** {@code pass}: options for bootmedic on the worker (--config F, --key-bundle F, ..., --bootmedic PATH), paths on the worker. */
    WorkerScript(List<String> pass) {
        this.pass = List.copyOf(pass);
    }

    /** {@code bekSecretUrl}: ADE's Key Vault secret, which the worker reads with its managed identity (never the key itself here); or null. */
    String fix(int lun, long expectSize, String bekSecretUrl) {
        List<String> args = new ArrayList<>(List.of("--azure-lun", Integer.toString(lun), "--expect-size", Long.toString(expectSize)));
        if (bekSecretUrl != null) {
            args.add("--bek-secret-url");
            args.add(bekSecretUrl);
        }
        args.addAll(pass);
        return unpack() + "bash \"$f\" --azure-lun " + lun + " --release >/dev/null 2>&1 || { echo \"bootmedic-azure: something on this worker still holds LUN " + lun
                + " (an earlier writer?): no second writer started\" >&2; rm -f \"$f\"; exit 1; }\n" + "bash \"$f\"" + quoted(args)
                + "; rc=$?; rm -f \"$f\"; exit $rc\n";
    }

    /** The release check; {@code nonce} makes each check a new script, so a PUT runs it again. */
    String release(int lun, long nonce) {
        return "# check " + nonce + "\n" + unpack() + "bash \"$f\" --azure-lun " + lun + " --release; rc=$?; rm -f \"$f\"; exit $rc\n";
    }

    private static String unpack() {
        return "f=$(mktemp /tmp/bootmedic-worker.XXXXXX) && echo " + Base64.getEncoder().encodeToString(SOURCE.getBytes(StandardCharsets.UTF_8))
                + " | base64 -d > \"$f\" || exit 2\n";
    }

    /** bootmedic's exit code, printed by worker-fix.sh only after bootmedic ended (or never started); null without it. */
    static Integer exitCode(String output) {
        if (output == null) {
            return null;
        }
        Matcher m = EXIT.matcher(output);
        Integer code = null;
        while (m.find()) {
            code = Integer.valueOf(m.group(1));
        }
        return code;
    }

    /** bootmedic said it changed the copy: exit 0 and its "FIXED:" banner (a clean disk says "NOTHING TO FIX:"). */
    static boolean changed(String output) {
        Integer code = exitCode(output);
        return code != null && code == 0 && FIXED.matcher(output).find();
    }

    static boolean released(String output) {
        return output != null && RELEASED.matcher(output).find();
    }

    static String source() {
        return SOURCE;
    }

    private static String quoted(List<String> args) {
        StringBuilder b = new StringBuilder();
        for (String a : args) {
            b.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        return b.toString();
    }

    private static String load() {
        try (InputStream in = WorkerScript.class.getResourceAsStream("worker-fix.sh")) {
            if (in == null) {
                throw new IllegalStateException("worker-fix.sh is not packaged with bootmedic-cloud-azure");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
