package io.bootmedic.ntfs;

/** Whether Windows left the volume in a state where its metadata may be changed offline. */
public enum JournalState {
    /** Shut down cleanly: safe to change. */
    CLEAN("clean"),
    /** $LogFile holds unreplayed transactions (Windows crashed): metadata must not change. */
    UNCLEAN("unclean"),
    /** hiberfil.sys holds a hibernated or Fast Startup session: metadata must not change. */
    HIBERNATED("hibernated");

    private final String wire;

    JournalState(String wire) {
        this.wire = wire;
    }

    /** The report's spelling. */
    public String wire() {
        return wire;
    }
}
