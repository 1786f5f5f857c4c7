package io.bootmedic.platform.windows;

import io.bootmedic.platform.BitLockerControlException;

import java.util.List;
import java.util.Map;

/**
 * The seam in front of WMI: the handful of Win32_EncryptableVolume operations BitLocker needs,
 * in plain Java values. {@link ComWmiMethods} is the few lines of JNA/COM behind it; everything
 * above it ({@link WmiBitLockerControl}: status, unlock, error classification) runs on Linux
 * against recorded answers in the tests.
 */
interface WmiMethods extends AutoCloseable {

    /** {@code __PATH} of the Win32_EncryptableVolume whose DeviceID is {@code deviceId}, or null when BitLocker does not list it. */
    String instancePath(String deviceId) throws BitLockerControlException;

    /**
     * Calls {@code method} on the instance. Input values are String, Integer or byte[] (WMI
     * uint8[]); {@code outputs} names the out-parameters to read besides ReturnValue.
     */
    WmiResult call(String instancePath, String method, Map<String, Object> inputs, List<String> outputs) throws BitLockerControlException;

    @Override
    void close();
}
