package io.bootmedic.diagnosis;

import java.time.Instant;
import java.util.List;

/**
 * What a dump's header says.
 *
 * @param kind           triage, kernel-full, kernel-summary, kernel-bitmap, user-minidump or unknown
 * @param time           when it was written, or null when the header holds no plausible time
 * @param code           the bug check code (kernel) or exception code (user mode), or null when the dump holds none
 * @param parameters     the bug check's parameters (or the exception's), unsigned
 * @param faultingModule the module holding the failing code address, or null
 * @param problem        why part of the dump (the module list) could not be read, else null
 */
public record DumpSummary(String kind, Instant time, Long code, List<Long> parameters, String faultingModule, String problem) {
    public DumpSummary {
        parameters = List.copyOf(parameters);
    }
}
