package io.bootmedic.platform.windows;

import io.bootmedic.platform.BitLockerControlException;

/**
 * The WMI call itself failed (ConnectServer, ExecQuery, ExecMethod, the enumerator), as opposed to
 * a method that ran and returned a ReturnValue. Whatever its HRESULT (RPC server unavailable
 * 0x800706BA, access denied 0x80070005, a time-out), WMI is then unusable for this run and
 * {@link FallbackBitLockerControl} goes on with manage-bde.
 */
final class WmiUnavailableException extends BitLockerControlException {
    private static final long serialVersionUID = 1L;

    WmiUnavailableException(String message, int code) {
        super(message, code);
    }
}
