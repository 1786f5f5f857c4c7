package io.bootmedic.platform;

/** BitLocker state of one volume, as the report names it (none, locked, unlocked). */
public enum LockState {
    NOT_ENCRYPTED("none"), UNLOCKED("unlocked"), LOCKED("locked");

    private final String reportName;

    LockState(String reportName) {
        this.reportName = reportName;
    }

    public String reportName() {
        return reportName;
    }
}
