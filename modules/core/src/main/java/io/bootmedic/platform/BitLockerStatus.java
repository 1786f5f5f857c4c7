package io.bootmedic.platform;

import java.util.List;

/**
 * What BitLocker says about one volume.
 *
 * @param method                 XTS-AES-128, XTS-AES-256, AES-128, AES-256, ...; null when not encrypted or unknown
 * @param numericalPasswordIds   IDs of the recovery-password protectors (type 3), as {@code {GUID}} upper case
 */
public record BitLockerStatus(LockState lockState, String method, List<String> numericalPasswordIds) {
    public static final BitLockerStatus NOT_ENCRYPTED = new BitLockerStatus(LockState.NOT_ENCRYPTED, null, List.of());

    public BitLockerStatus {
        numericalPasswordIds = List.copyOf(numericalPasswordIds);
    }
}
