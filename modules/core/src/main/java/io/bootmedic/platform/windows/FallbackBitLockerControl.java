package io.bootmedic.platform.windows;

import io.bootmedic.format.ErrorWords;
import io.bootmedic.keys.RecoveryPassword;
import io.bootmedic.platform.BitLockerCodes;
import io.bootmedic.platform.BitLockerControl;
import io.bootmedic.platform.BitLockerControlException;
import io.bootmedic.platform.BitLockerStatus;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * WMI first, manage-bde when WMI is missing or broken (WMI/COM error codes, a failed COM call
 * itself such as RPC unavailable or access denied ({@link WmiUnavailableException}), JNA failures).
 * BitLocker's own answers such as a wrong key are never retried with the fallback: that would
 * only repeat the same refusal and hide the real message.
 */
public final class FallbackBitLockerControl implements BitLockerControl {
    private final BitLockerControl primary;
    private final BitLockerControl fallback;
    private final Consumer<String> log;
    private boolean primaryBroken;

    /** @param primary may be null when it could not even be created (no WMI in the image) */
    public FallbackBitLockerControl(BitLockerControl primary, BitLockerControl fallback, Consumer<String> log) {
        this.primary = primary;
        this.fallback = fallback;
        this.log = log;
        this.primaryBroken = primary == null;
    }

    @Override
    public BitLockerStatus status(String volume) throws IOException {
        return attempt(c -> c.status(volume));
    }

    @Override
    public void unlockWithRecoveryPassword(String volume, RecoveryPassword password) throws IOException {
        attempt(c -> {
            c.unlockWithRecoveryPassword(volume, password);
            return null;
        });
    }

    @Override
    public void unlockWithExternalKey(String volume, byte[] bek) throws IOException {
        attempt(c -> {
            c.unlockWithExternalKey(volume, bek);
            return null;
        });
    }

    private interface Call<T> {
        T on(BitLockerControl control) throws IOException;
    }

    private <T> T attempt(Call<T> call) throws IOException {
        if (!primaryBroken) {
            try {
                return call.on(primary);
            } catch (BitLockerControlException e) {
                if (!(e instanceof WmiUnavailableException) && !BitLockerCodes.isInfrastructure(e.code()) && !(e.getCause() instanceof RuntimeException)) {
                    throw e; // BitLocker's own answer (wrong key, locked, ...): manage-bde would say the same
                }
                primaryBroken = true;
                log.accept("BitLocker WMI failed (" + e.getMessage() + "); using manage-bde from now on.");
            } catch (RuntimeException | LinkageError e) {
                primaryBroken = true;
                log.accept("BitLocker WMI failed (" + ErrorWords.message(e) + "); using manage-bde from now on.");
            }
        }
        return call.on(fallback);
    }
}
