package io.bootmedic.cloud.sim;

/** The orchestrator "dies" here: thrown through the engine, which does not catch it, like a kill -9 between two instructions. */
public final class Killed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Killed(String where) {
        super("killed " + where);
    }
}
