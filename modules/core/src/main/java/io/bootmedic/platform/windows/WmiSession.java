package io.bootmedic.platform.windows;

import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.COM.COMException;
import com.sun.jna.platform.win32.COM.COMUtils;
import com.sun.jna.platform.win32.COM.Wbemcli;
import com.sun.jna.platform.win32.Ole32;
import com.sun.jna.platform.win32.OleAuto;
import com.sun.jna.platform.win32.Variant;
import com.sun.jna.platform.win32.WTypes;
import com.sun.jna.platform.win32.WinError;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import io.bootmedic.platform.BitLockerCodes;
import io.bootmedic.platform.BitLockerControlException;

import java.io.Closeable;
import java.time.Duration;
import java.util.List;

/**
 * One WMI namespace over JNA COM. The BitLocker namespace refuses calls below packet privacy,
 * so the proxy blanket is set explicitly. Methods without input parameters go through the
 * BSTR overload of ExecMethod (the String overload dereferences a null in-params object).
 * Waits are finite: ConnectServer with WBEM_FLAG_CONNECT_USE_MAX_WAIT (Microsoft: returns within
 * 2 minutes), queries drained by {@link WmiPaging}. ExecMethod has no time-out of its own; the
 * --winre watchdog bounds it. A failure of the COM call itself is a {@link WmiUnavailableException}.
 */
final class WmiSession implements Closeable {
    static final int RPC_C_AUTHN_LEVEL_PKT_PRIVACY = 6;
    static final int WBEM_FLAG_CONNECT_USE_MAX_WAIT = 0x80;
    static final Duration QUERY_LIMIT = Duration.ofSeconds(30);
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
                services = locator.ConnectServer(namespace, null, null, null, WBEM_FLAG_CONNECT_USE_MAX_WAIT, null, null);
            } finally {
                locator.Release();
            }
            WinNT.HRESULT blanket = Ole32.INSTANCE.CoSetProxyBlanket(services, Ole32.RPC_C_AUTHN_WINNT, Ole32.RPC_C_AUTHZ_NONE, null,
                    RPC_C_AUTHN_LEVEL_PKT_PRIVACY, Ole32.RPC_C_IMP_LEVEL_IMPERSONATE, null, Ole32.EOAC_NONE);
            check(blanket, "secure the WMI connection");
            return new WmiSession(services);
        } catch (COMException e) {
            int code = e.getHresult() == null ? 0 : e.getHresult().intValue();
            throw new WmiUnavailableException("could not open WMI namespace " + namespace + ": " + BitLockerCodes.describe(code), code);
        }
    }

    /** Every instance of {@code wqlQuery}; callers release them. */
    List<Wbemcli.IWbemClassObject> query(String wqlQuery) throws BitLockerControlException {
        Wbemcli.IEnumWbemClassObject e;
        try {
            e = services.ExecQuery("WQL", wqlQuery, Wbemcli.WBEM_FLAG_FORWARD_ONLY | Wbemcli.WBEM_FLAG_RETURN_IMMEDIATELY, null);
        } catch (COMException ex) {
            int code = ex.getHresult() == null ? 0 : ex.getHresult().intValue();
            throw new WmiUnavailableException("WMI query failed: " + BitLockerCodes.describe(code), code);
        }
        try {
            return WmiPaging.drain(timeout -> {
                Pointer[] one = new Pointer[1];
                IntByReference got = new IntByReference();
                WinNT.HRESULT hr = e.Next(timeout, 1, one, got);
                return new WmiPaging.Step<>(hr.intValue(), got.getValue() == 1 && one[0] != null ? new Wbemcli.IWbemClassObject(one[0]) : null);
            }, QUERY_LIMIT, System::nanoTime, Wbemcli.IWbemClassObject::Release, "WMI query");
        } finally {
            e.Release();
        }
    }

    /** Calls a method that takes no input. */
    Wbemcli.IWbemClassObject call(String objectPath, String method) throws BitLockerControlException {
        WTypes.BSTR path = OleAuto.INSTANCE.SysAllocString(objectPath);
        WTypes.BSTR name = OleAuto.INSTANCE.SysAllocString(method);
        try {
            PointerByReference out = new PointerByReference();
            WinNT.HRESULT hr = services.ExecMethod(path, name, 0, null, null, out, null);
            if (COMUtils.FAILED(hr)) {
                // the call did not reach the method (RPC down, access denied): WMI is not usable
                throw new WmiUnavailableException(method + " failed: " + BitLockerCodes.describe(hr.intValue()), hr.intValue());
            }
            return new Wbemcli.IWbemClassObject(out.getValue());
        } finally {
            OleAuto.INSTANCE.SysFreeString(path);
            OleAuto.INSTANCE.SysFreeString(name);
        }
    }

    /** Calls a method with inputs; {@code fill} puts them into the in-parameters instance. */
    Wbemcli.IWbemClassObject call(String className, String objectPath, String method, InputFiller fill) throws BitLockerControlException {
        Wbemcli.IWbemClassObject cls;
        Wbemcli.IWbemClassObject signature;
        Wbemcli.IWbemClassObject in;
        try {
            cls = services.GetObject(className, 0, null);
        } catch (COMException e) {
            throw unavailable(method, e);
        }
        try {
            signature = cls.GetMethod(method);
            in = signature.SpawnInstance();
        } catch (COMException e) {
            cls.Release();
            throw unavailable(method, e);
        }
        try {
            fill.fill(in);
            return services.ExecMethod(objectPath, method, 0, null, in);
        } catch (COMException e) {
            // ExecMethod's own HRESULT: the method did not run, so this is WMI failing, not BitLocker answering
            throw unavailable(method, e);
        } finally {
            in.Release();
            signature.Release();
            cls.Release();
        }
    }

    private static WmiUnavailableException unavailable(String method, COMException e) {
        int code = e.getHresult() == null ? 0 : e.getHresult().intValue();
        return new WmiUnavailableException(method + " failed: " + BitLockerCodes.describe(code), code);
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
