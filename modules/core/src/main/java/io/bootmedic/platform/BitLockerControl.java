package io.bootmedic.platform;

import io.bootmedic.keys.RecoveryPassword;

import java.io.IOException;

/**
 * BitLocker on a running Windows (WinPE or safe mode). {@code volume} is the GUID path or a drive
 * letter as {@link VolumeInfo} gives it. Implementations never log or put a key in an exception.
 */
public interface BitLockerControl {

    BitLockerStatus status(String volume) throws IOException;

    void unlockWithRecoveryPassword(String volume, RecoveryPassword password) throws IOException;

    /** {@code bek} is the content of a .BEK startup/external key file. */
    void unlockWithExternalKey(String volume, byte[] bek) throws IOException;
}
