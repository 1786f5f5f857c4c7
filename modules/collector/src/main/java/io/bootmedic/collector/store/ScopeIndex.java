package io.bootmedic.collector.store;

import java.util.HashSet;
import java.util.Set;

/**
 * A {@link PlaybookScope} compiled once for lookups: a machines scope becomes a hash set of folded
 * names, so asking costs three lookups instead of a scan of up to 10,000 names. Answers exactly what
 * {@link PlaybookScope#matches} answers.
 */
public final class ScopeIndex {
    private final PlaybookScope.Kind kind;
    private final String key;
    private final String value;
    private final Set<String> names;

    private ScopeIndex(PlaybookScope scope, Set<String> names) {
        this.kind = scope.kind();
        this.key = scope.key();
        this.value = scope.value();
        this.names = names;
    }

    public static ScopeIndex of(PlaybookScope scope) {
        Set<String> names = new HashSet<>();
        if (scope.kind() == PlaybookScope.Kind.MACHINES) {
            for (String m : scope.machines()) {
                names.add(fold(m));
            }
        }
        return new ScopeIndex(scope, Set.copyOf(names));
    }

    public boolean includes(PlaybookScope.Asker who) {
        return switch (kind) {
            case ALL -> true;
            case TAG -> value.equals(who.tags().get(key));
            case MACHINES -> names.contains(asked(who.computerName())) || names.contains(asked(who.biosSerial())) || names.contains(asked(who.vmId()));
        };
    }

    private static String asked(String name) {
        return fold(name == null ? "" : name.strip());
    }

    /**
     * The case fold under which two names are equal exactly when {@link String#equalsIgnoreCase}
     * says so: that compares code point by code point, equal when their upper cases or the lower
     * cases of those are. Folding the whole string ({@code toUpperCase(Locale.ROOT)}) would not do:
     * it turns "ß" into "SS" and so would match names the scan never matched.
     */
    static String fold(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> b.appendCodePoint(Character.toLowerCase(Character.toUpperCase(cp))));
        return b.toString();
    }
}
