package io.bootmedic.fs;

import java.time.Instant;

/** Creation, modification and access time of a file; any may be null (left unchanged when set). */
public record FileTimes(Instant created, Instant modified, Instant accessed) {
}
