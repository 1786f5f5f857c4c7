package io.bootmedic.platform.windows;

import com.sun.jna.platform.win32.COM.COMException;
import com.sun.jna.platform.win32.COM.COMUtils;
import com.sun.jna.platform.win32.COM.Wbemcli;
import com.sun.jna.platform.win32.Ole32;
import com.sun.jna.platform.win32.OleAuto;
import com.sun.jna.platform.win32.Variant;
import com.sun.jna.platform.win32.WTypes;
import com.sun.jna.platform.win32.WinError;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.PointerByReference;
import io.bootmedic.platform.BitLockerCodes;
import io.bootmedic.platform.BitLockerControlException;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;

/**
 * One WMI namespace over JNA COM. The BitLocker namespace refuses calls below packet privacy,
 * so the proxy blanket is set explicitly. Methods without input parameters go through the
 * BSTR overload of ExecMethod (the String overload dereferences a null in-params object).
 */
final class WmiSession implements Closeable {
    static final int RPC_C_AUTHN_LEVEL_PKT_PRIVACY = 6;
    private final Wbemcli.IWbemServices services;

    private WmiSession(Wbemcli.IWbemServices services) {
        this.services = services;
    }

    static WmiSession connect(String namespace) throws BitLockerControlException {
        WinNT.HRESULT init = Ole32.INSTANCE.CoInitializeEx(null, Ole32.COINIT_MULTITHREADED);
        if (COMUtils.FAILED(init) && init.intValue() != WinError.RPC_E_CHANGED_MODE) {
            throw new BitLockerControlException("COM could not start (" + BitLockerCodes.hex(init.intValue()) + "); restart WinPE", init.intValue());
        }
        // RPC_E_TOO_LATE: someone in this process already set it; that is fine
        Ole32.INSTANCE.CoInitializeSecurity(null, -1, null, null, Ole32.RPC_C_AUTHN_LEVEL_DEFAULT,
                Ole32.RPC_C_IMP_LEVEL_IMPERSONATE, null, Ole32.EOAC_NONE, null);
        try {
            Wbemcli.IWbemLocator locator = Wbemcli.IWbemLocator.create();
            if (locator == null) {
                throw new BitLockerControlException("WMI is not available: the boot image lacks WinPE-WMI. Rebuild it with winpe\\build.ps1",
                        BitLockerCodes.WBEM_E_INVALID_NAMESPACE);
            }
            Wbemcli.IWbemServices services;
            try {
                services = locator.ConnectServer(namespace, null, null, null, 0, null, null);
            } finally {
                locator.Release();
            }
            WinNT.HRESULT blanket = Ole32.INSTANCE.CoSetProxyBlanket(services, Ole32.RPC_C_AUTHN_WINNT, Ole32.RPC_C_AUTHZ_NONE, null,
                    RPC_C_AUTHN_LEVEL_PKT_PRIVACY, Ole32.RPC_C_IMP_LEVEL_IMPERSONATE, null, Ole32.EOAC_NONE);
            check(blanket, "secure the WMI connection");
            return new WmiSession(services);
        } catch (COMException e) {
            int code = e.getHresult() == null ? 0 : e.getHresult().intValue();
            throw new BitLockerControlException("could not open WMI namespace " + namespace + ": " + BitLockerCodes.describe(code), code);
        }
    }

    /** Every instance of {@code wqlQuery}; callers release them. */
    List<Wbemcli.IWbemClassObject> query(String wqlQuery) {
        Wbemcli.IEnumWbemClassObject e = services.ExecQuery("WQL", wqlQuery,
                Wbemcli.WBEM_FLAG_FORWARD_ONLY | Wbemcli.WBEM_FLAG_RETURN_IMMEDIATELY, null);
        List<Wbemcli.IWbemClassObject> out = new ArrayList<>();
        try {
            Wbemcli.IWbemClassObject[] batch;
            while ((batch = e.Next(Wbemcli.WBEM_INFINITE, 1)).length > 0) {
                out.add(batch[0]);
            }
        } finally {
            e.Release();
        }
        return out;
    }

    /** Calls a method that takes no input. */
    Wbemcli.IWbemClassObject call(String objectPath, String method) throws BitLockerControlException {
        WTypes.BSTR path = OleAuto.INSTANCE.SysAllocString(objectPath);
        WTypes.BSTR name = OleAuto.INSTANCE.SysAllocString(method);
        try {
            PointerByReference out = new PointerByReference();
            check(services.ExecMethod(path, name, 0, null, null, out, null), method);
            return new Wbemcli.IWbemClassObject(out.getValue());
        } finally {
            OleAuto.INSTANCE.SysFreeString(path);
            OleAuto.INSTANCE.SysFreeString(name);
        }
    }

    /** Calls a method with inputs; {@code fill} puts them into the in-parameters instance. */
    Wbemcli.IWbemClassObject call(String className, String objectPath, String method, InputFiller fill) throws BitLockerControlException {
        Wbemcli.IWbemClassObject cls = services.GetObject(className, 0, null);
        Wbemcli.IWbemClassObject signature = cls.GetMethod(method);
        Wbemcli.IWbemClassObject in = signature.SpawnInstance();
        try {
            fill.fill(in);
            return services.ExecMethod(objectPath, method, 0, null, in);
        } catch (COMException e) {
            int code = e.getHresult() == null ? 0 : e.getHresult().intValue();
            throw new BitLockerControlException(method + " failed: " + BitLockerCodes.describe(code), code);
        } finally {
            in.Release();
            signature.Release();
            cls.Release();
        }
    }

    interface InputFiller {
        void fill(Wbemcli.IWbemClassObject in) throws BitLockerControlException;
    }

    static Variant.VARIANT.ByReference get(Wbemcli.IWbemClassObject o, String property) throws BitLockerControlException {
        Variant.VARIANT.ByReference v = new Variant.VARIANT.ByReference();
        check(o.Get(property, 0, v, null, null), "read " + property);
        return v;
    }

    static int getInt(Wbemcli.IWbemClassObject o, String property) throws BitLockerControlException {
        Variant.VARIANT.ByReference v = get(o, property);
        try {
            Object value = v.getValue();
            if (!(value instanceof Number)) {
                throw new BitLockerControlException(property + " came back as " + value + " where a number was expected", 0);
            }
            return ((Number) value).intValue();
        } finally {
            OleAuto.INSTANCE.VariantClear(v);
        }
    }

    static String getString(Wbemcli.IWbemClassObject o, String property) throws BitLockerControlException {
        Variant.VARIANT.ByReference v = get(o, property);
        try {
            Object value = v.getValue();
            return value == null ? null : value.toString();
        } finally {
            OleAuto.INSTANCE.VariantClear(v);
        }
    }

    static void check(WinNT.HRESULT hr, String what) throws BitLockerControlException {
        if (COMUtils.FAILED(hr)) {
            throw new BitLockerControlException(what + " failed: " + BitLockerCodes.describe(hr.intValue()), hr.intValue());
        }
    }

    @Override
    public void close() {
        services.Release();
    }
}
