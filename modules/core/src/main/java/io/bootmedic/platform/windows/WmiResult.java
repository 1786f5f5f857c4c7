package io.bootmedic.platform.windows;

import io.bootmedic.platform.BitLockerControlException;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a WMI method returned: ReturnValue and the out-parameters that were asked for, as
 * Integer, String, String[] (an array of strings) or byte[] (uint8[]); a missing one is absent.
 */
record WmiResult(int returnValue, Map<String, Object> outputs) {

    int integer(String name) throws BitLockerControlException {
        Object v = outputs.get(name);
        if (!(v instanceof Number n)) {
            throw new BitLockerControlException(name + " came back as " + describe(v) + " where a number was expected", 0);
        }
        return n.intValue();
    }

    /** An array of strings; a missing or empty array (no protector of that type) is an empty list. */
    List<String> strings(String name) throws BitLockerControlException {
        Object v = outputs.get(name);
        if (v == null) {
            return List.of();
        }
        if (v instanceof String[] array) {
            return List.of(array);
        }
        throw new BitLockerControlException(name + " came back as " + describe(v) + " where a list of IDs was expected", 0);
    }

    byte[] bytes(String name) throws BitLockerControlException {
        Object v = outputs.get(name);
        if (!(v instanceof byte[] b)) {
            throw new BitLockerControlException(name + " came back as " + describe(v) + " where bytes were expected", 0);
        }
        return b;
    }

    /** The type only: an out-parameter may be a key, so its value never reaches a message. */
    private static String describe(Object v) {
        return v == null ? "nothing" : v.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }
}
