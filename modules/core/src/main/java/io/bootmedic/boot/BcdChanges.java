package io.bootmedic.boot;

import io.bootmedic.playbook.RepairRule;
import io.bootmedic.registry.Hive;
import io.bootmedic.registry.HiveKey;
import io.bootmedic.registry.HiveValue;
import io.bootmedic.registry.edit.HiveEditor;
import io.bootmedic.registry.edit.RecoveredHive;
import io.bootmedic.util.ByteArrayChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a playbook's boot rules change in a BCD store, as bcdedit would: {@code {default}} is the boot manager's
 * element 23000003; {@code safeboot} is element 25000080 of that entry (0 minimal, 1 network; "off" deletes it);
 * {@code bootstatuspolicy} is element 250000e0 (0 DisplayAllFailures, 1 IgnoreAllFailures, 2 IgnoreShutdownFailures,
 * 3 IgnoreBootFailures). Integer elements are REG_BINARY of 8 bytes, little-endian, as Windows stores them.
 */
public final class BcdChanges {
    static final String BOOT_MANAGER = "{9dea862c-5cdd-4e70-acc1-f32b344d4795}";
    static final String DEFAULT_OBJECT = "23000003";
    static final String SAFE_BOOT = "25000080";
    static final String BOOT_STATUS_POLICY = "250000e0";
    /** BCD object type of a Windows boot loader (winload): application, image type 2, application type 3. */
    static final long OS_LOADER = 0x10200003L;
    private static final Pattern GUID = Pattern.compile("\\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\}");
    static final List<String> SAFE_MODES = List.of("minimal", "network", "dsrepair");
    static final List<String> POLICIES = List.of("DisplayAllFailures", "IgnoreAllFailures", "IgnoreShutdownFailures", "IgnoreBootFailures");

    /**
     * One element to set ({@code data} non-null) or delete, with words for the report.
     *
     * @param keyPath the element's key below the store's root
     */
    public record Change(RepairRule rule, String keyPath, String element, byte[] data, String was, String becomes) {
    }

    /** A rule that needs nothing changed, and why. */
    public record Kept(RepairRule rule, String keyPath, String why) {
    }

    /** The plan: the default entry it resolved and what each rule does there. */
    public record Plan(String defaultEntry, String description, List<Change> changes, List<Kept> kept) {
    }

    private BcdChanges() {
    }

    /** Reads the store (already recovered from its logs) and plans every rule; refuses a store bcdedit would not edit. */
    public static Plan plan(String storeName, Hive hive, List<RepairRule> rules) throws IOException {
        try {
            return planChecked(storeName, hive, rules);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static Plan planChecked(String storeName, Hive hive, List<RepairRule> rules) throws IOException {
        String entry = defaultEntry(storeName, hive);
        String elements = "Objects\\" + entry + "\\Elements";
        String description = hive.key(elements + "\\12000004").flatMap(k -> value(k, "Element")).map(BcdChanges::text).orElse(null);
        List<Change> changes = new ArrayList<>();
        List<Kept> kept = new ArrayList<>();
        for (RepairRule r : rules) {
            String element;
            byte[] want;
            String wantWords;
            if (r instanceof RepairRule.SafeMode s) {
                element = SAFE_BOOT;
                want = "off".equals(s.mode()) ? null : integer(SAFE_MODES.indexOf(s.mode()));
                wantWords = "safeboot " + s.mode();
            } else if (r instanceof RepairRule.BootStatusPolicy p) {
                element = BOOT_STATUS_POLICY;
                int index = POLICIES.indexOf(p.policy());
                if (index < 0) {
                    throw new IOException("boot status policy '" + p.policy() + "' is not one bootmedic writes");
                }
                want = integer(index);
                wantWords = "bootstatuspolicy " + p.policy();
            } else {
                throw new IllegalArgumentException("not a boot configuration rule: " + r.id());
            }
            String keyPath = elements + "\\" + element;
            Optional<byte[]> now = hive.key(keyPath).flatMap(k -> value(k, "Element")).map(BcdChanges::data);
            String was = now.map(d -> describe(element, d)).orElse(element.equals(SAFE_BOOT) ? "safeboot off" : "bootstatuspolicy not set");
            if (now.isEmpty() && want == null || now.isPresent() && want != null && Arrays.equals(now.get(), want)) {
                kept.add(new Kept(r, keyPath, "already " + wantWords));
            } else {
                changes.add(new Change(r, keyPath, element, want, was, wantWords));
            }
        }
        return new Plan(entry, description, changes, kept);
    }

    /** The store with the plan applied, sealed by the editor (sequence numbers above every log entry) and read back. */
    public static byte[] apply(RecoveredHive store, Plan plan) throws IOException {
        try {
            return applyChecked(store, plan);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static byte[] applyChecked(RecoveredHive store, Plan plan) throws IOException {
        HiveEditor editor = HiveEditor.open(store);
        String elements = "Objects\\" + plan.defaultEntry() + "\\Elements";
        for (Change c : plan.changes()) {
            if (c.data() == null) {
                editor.deleteKey(elements, c.element());
            } else {
                editor.createKey(elements, c.element());
                editor.setValue(c.keyPath(), "Element", HiveValue.REG_BINARY, c.data());
            }
        }
        byte[] out = editor.finish();
        Hive back = Hive.open(new ByteArrayChannel(out));
        for (Change c : plan.changes()) {
            Optional<byte[]> now = back.key(c.keyPath()).flatMap(k -> value(k, "Element")).map(BcdChanges::data);
            if (c.data() == null ? now.isPresent() : now.isEmpty() || !Arrays.equals(now.get(), c.data())) {
                throw new IOException("the edited BCD store does not read back with " + c.becomes());
            }
        }
        return out;
    }

    /** The boot manager's default entry, which must be a Windows boot loader present in the store. */
    static String defaultEntry(String storeName, Hive hive) throws IOException {
        Optional<HiveValue> v = hive.key("Objects\\" + BOOT_MANAGER + "\\Elements\\" + DEFAULT_OBJECT).flatMap(k -> value(k, "Element"));
        if (v.isEmpty()) {
            throw new IOException(storeName + " names no default boot entry (the boot manager has no element " + DEFAULT_OBJECT
                    + "); not a Windows boot configuration bootmedic edits");
        }
        String guid = v.get().type() == HiveValue.REG_SZ ? text(v.get()) : "";
        if (!GUID.matcher(guid).matches()) {
            throw new IOException(storeName + ": the default boot entry is not a GUID");
        }
        guid = guid.toLowerCase(Locale.ROOT);
        Optional<HiveValue> type = hive.key("Objects\\" + guid + "\\Description").flatMap(k -> value(k, "Type"));
        if (type.isEmpty()) {
            throw new IOException(storeName + ": the default boot entry " + guid + " is not in the store");
        }
        long t = type.get().type() == HiveValue.REG_DWORD ? type.get().asLong() : -1;
        if (t != OS_LOADER) {
            throw new IOException(storeName + ": the default boot entry " + guid + " is of type 0x" + Long.toHexString(t)
                    + ", not a Windows boot loader; its safe-mode setting would mean nothing");
        }
        return guid;
    }

    static byte[] integer(long n) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array();
    }

    private static String describe(String element, byte[] data) {
        if (data.length != 8) {
            return "element " + element + " holds " + data.length + " bytes";
        }
        long n = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getLong();
        List<String> names = element.equals(SAFE_BOOT) ? SAFE_MODES : POLICIES;
        String word = element.equals(SAFE_BOOT) ? "safeboot " : "bootstatuspolicy ";
        return word + (n >= 0 && n < names.size() ? names.get((int) n) : Long.toString(n));
    }

    private static Optional<HiveValue> value(HiveKey k, String name) {
        try {
            return k.value(name);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] data(HiveValue v) {
        try {
            return v.data();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String text(HiveValue v) {
        return new String(data(v), StandardCharsets.UTF_16LE).replaceAll("\0.*$", "");
    }
}
