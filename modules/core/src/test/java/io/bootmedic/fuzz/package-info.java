/**
 * Jazzer fuzz targets, one class per parser, {@code @FuzzTest} methods named after what they feed.
 * A plain {@code mvn verify} replays each target's committed inputs (regression mode): the seeds
 * and every finding live in {@code src/test/resources/io/bootmedic/fuzz/<Class>Inputs/<method>/}.
 * {@code scripts/bench/fuzz.sh} fuzzes each target for a bounded time (JAZZER_FUZZ=1).
 * A target passes when the parser returns or throws its own FormatException subtype.
 */
package io.bootmedic.fuzz;
