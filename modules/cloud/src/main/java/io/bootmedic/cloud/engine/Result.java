package io.bootmedic.cloud.engine;

/** What a step handler decided. */
sealed interface Result {
    /** Record this and take it. */
    record Next(VmRecord record) implements Result {
    }

    /** Look again later (nothing recorded). */
    record Wait(long millis) implements Result {
    }

    /** The step cannot finish: a forward step leads to FAILED and the rollback chain; a rollback step leaves the VM stuck. */
    record Fail(String reason) implements Result {
    }
}
