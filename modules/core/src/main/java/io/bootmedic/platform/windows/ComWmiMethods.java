package io.bootmedic.platform.windows;

import com.sun.jna.platform.win32.COM.Wbemcli;
import com.sun.jna.platform.win32.OaIdl;
import com.sun.jna.platform.win32.OaIdlUtil;
import com.sun.jna.platform.win32.OleAuto;
import com.sun.jna.platform.win32.Variant;
import com.sun.jna.platform.win32.WTypes;
import io.bootmedic.platform.BitLockerControlException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link WmiMethods} over JNA COM ({@link WmiSession}). Only value conversion lives here:
 * String to BSTR, Integer to VT_I4, byte[] to a SAFEARRAY of VT_UI1, and back. Every VARIANT it
 * makes is cleared after the call; a BSTR is overwritten first (it may hold a recovery password).
 * Checked against the JNA 5.17 sources and the Win32_EncryptableVolume pages; it runs only on Windows.
 */
final class ComWmiMethods implements WmiMethods {
    private final WmiSession wmi;
    private final String className;

    ComWmiMethods(WmiSession wmi, String className) {
        this.wmi = wmi;
        this.className = className;
    }

    /** WQL wants backslashes and quotes escaped inside the string literal. */
    static String wqlForDevice(String className, String deviceId) {
        String id = deviceId.replace("\\", "\\\\").replace("'", "\\'");
        return "SELECT __PATH FROM " + className + " WHERE DeviceID='" + id + "'";
    }

    @Override
    public String instancePath(String deviceId) throws BitLockerControlException {
        List<Wbemcli.IWbemClassObject> found = wmi.query(wqlForDevice(className, deviceId));
        try {
            return found.isEmpty() ? null : WmiSession.getString(found.get(0), "__PATH");
        } finally {
            found.forEach(Wbemcli.IWbemClassObject::Release);
        }
    }

    @Override
    public WmiResult call(String instancePath, String method, Map<String, Object> inputs, List<String> outputs) throws BitLockerControlException {
        List<Variant.VARIANT> made = new ArrayList<>();
        Wbemcli.IWbemClassObject out;
        try {
            if (inputs.isEmpty()) {
                out = wmi.call(instancePath, method);
            } else {
                out = wmi.call(className, instancePath, method, in -> {
                    for (Map.Entry<String, Object> e : inputs.entrySet()) {
                        Variant.VARIANT v = toVariant(e.getValue());
                        made.add(v);
                        WmiSession.check(in.Put(e.getKey(), 0, v, 0), "set " + e.getKey());
                    }
                });
            }
        } finally {
            for (Variant.VARIANT v : made) {
                wipeIfString(v);
                OleAuto.INSTANCE.VariantClear(v);
            }
        }
        try {
            int returnValue = WmiSession.getInt(out, "ReturnValue");
            Map<String, Object> values = new LinkedHashMap<>();
            for (String name : outputs) {
                Object v = read(out, name);
                if (v != null) {
                    values.put(name, v);
                }
            }
            return new WmiResult(returnValue, values);
        } finally {
            out.Release();
        }
    }

    /** A BSTR input may be a recovery password: overwritten before VariantClear frees it. */
    private static void wipeIfString(Variant.VARIANT v) {
        if (v.getVarType().intValue() == Variant.VT_BSTR && v.getValue() instanceof WTypes.BSTR bstr) {
            Bstrs.wipe(bstr.getPointer());
        }
    }

    private static Variant.VARIANT toVariant(Object value) {
        if (value instanceof String s) {
            return new Variant.VARIANT(s);
        }
        if (value instanceof Integer i) {
            return new Variant.VARIANT(i);
        }
        if (value instanceof byte[] bytes) {
            OaIdl.SAFEARRAY array = OaIdl.SAFEARRAY.createSafeArray(new WTypes.VARTYPE(Variant.VT_UI1), bytes.length);
            for (int i = 0; i < bytes.length; i++) {
                array.putElement(bytes[i], i);
            }
            return new Variant.VARIANT(array);
        }
        throw new IllegalArgumentException("no WMI conversion for " + value.getClass().getSimpleName());
    }

    /** Null, a Number, a String, a String[] or a byte[]; the VARIANT is cleared either way. */
    private static Object read(Wbemcli.IWbemClassObject out, String name) throws BitLockerControlException {
        Variant.VARIANT.ByReference v = WmiSession.get(out, name);
        try {
            Object value = v.getValue();
            if (value instanceof OaIdl.SAFEARRAY array) {
                Object items = OaIdlUtil.toPrimitiveArray(array, false);
                if (items instanceof byte[] b) {
                    return b.clone();
                }
                if (items instanceof Object[] objects) {
                    String[] strings = new String[objects.length];
                    for (int i = 0; i < objects.length; i++) {
                        strings[i] = String.valueOf(objects[i]);
                    }
                    return strings;
                }
                return null;
            }
            if (value instanceof Number || value == null) {
                return value;
            }
            return value.toString();
        } finally {
            OleAuto.INSTANCE.VariantClear(v);
        }
    }

    @Override
    public void close() {
        wmi.close();
    }
}
