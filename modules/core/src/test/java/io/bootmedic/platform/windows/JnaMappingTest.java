package io.bootmedic.platform.windows;

import com.sun.jna.Structure;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.ptr.IntByReference;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Catches JNA mapping mistakes without Windows: structure layouts against the sizes the Windows
 * SDK gives (x64), IOCTL codes against CTL_CODE, and the Kernel32 signatures this package calls.
 */
class JnaMappingTest {

    static int ctlCode(int deviceType, int function, int method, int access) {
        return (deviceType << 16) | (access << 14) | (function << 2) | method;
    }

    @Test
    void ioctlCodesMatchCtlCode() {
        assertEquals(ctlCode(0x07, 0x17, 0, 1), DiskIo.IOCTL_DISK_GET_LENGTH_INFO);
    }

    @Test
    void structureSizesMatchTheWindowsSdk() {
        // sizeof(GET_LENGTH_INFORMATION)=8 on x64
        assertEquals(8, new DiskIo.GetLengthInformation().size());
        // OVERLAPPED carries the 64-bit read position in Offset/OffsetHigh (32 bytes on x64)
        assertEquals(32, new WinBase.OVERLAPPED().size());
    }

    @Test
    void fieldOrderNamesEveryPublicFieldInDeclarationOrder() {
        for (Class<? extends Structure> c : List.of(DiskIo.GetLengthInformation.class)) {
            List<String> declared = Arrays.stream(c.getDeclaredFields())
                    .filter(f -> Modifier.isPublic(f.getModifiers()) && !Modifier.isStatic(f.getModifiers()))
                    .map(Field::getName).toList();
            List<String> order = List.of(c.getAnnotation(Structure.FieldOrder.class).value());
            assertEquals(declared, order, c.getSimpleName());
        }
    }

    @Test
    void kernel32SignaturesWeCallAreTheWideOnes() throws Exception {
        // W32APIOptions.DEFAULT_OPTIONS maps these to the ...W entry points; parameter types must be char[]/String
        check("FindFirstVolume", WinNT.HANDLE.class, char[].class, int.class);
        check("FindNextVolume", boolean.class, WinNT.HANDLE.class, char[].class, int.class);
        check("FindVolumeClose", boolean.class, WinNT.HANDLE.class);
        check("GetVolumePathNamesForVolumeName", boolean.class, String.class, char[].class, int.class, IntByReference.class);
        check("GetVolumeInformation", boolean.class, String.class, char[].class, int.class, IntByReference.class,
                IntByReference.class, IntByReference.class, char[].class, int.class);
        check("GetDriveType", int.class, String.class);
        check("SetVolumeMountPoint", boolean.class, String.class, String.class);
        check("DeleteVolumeMountPoint", boolean.class, String.class);
        check("CreateFile", WinNT.HANDLE.class, String.class, int.class, int.class, WinBase.SECURITY_ATTRIBUTES.class, int.class,
                int.class, WinNT.HANDLE.class);
        check("ReadFile", boolean.class, WinNT.HANDLE.class, byte[].class, int.class, IntByReference.class, WinBase.OVERLAPPED.class);
        check("DeviceIoControl", boolean.class, WinNT.HANDLE.class, int.class, com.sun.jna.Pointer.class, int.class,
                com.sun.jna.Pointer.class, int.class, IntByReference.class, com.sun.jna.Pointer.class);
    }

    private static void check(String name, Class<?> returns, Class<?>... params) throws NoSuchMethodException {
        Method m = Kernel32.class.getMethod(name, params);
        assertEquals(returns, m.getReturnType(), name);
    }

    @Test
    void windowsClassesLoadOnLinux() throws Exception {
        // loading (not calling) must not reach for kernel32.dll: the CLI loads them on every OS
        for (String c : List.of("Win32VolumeEnumerator", "Win32MountPoints", "Win32RawVolumeReader", "WmiSession", "WmiBitLockerControl", "ComWmiMethods",
                "WmiMachineIdentity", "ManageBdeBitLockerControl", "SafeModeBoot", "WindowsPlatform", "DiskIo", "ConsoleKeys", "DriveLetters", "Kernel32Extra")) {
            Class<?> loaded = Class.forName("io.bootmedic.platform.windows." + c, true, getClass().getClassLoader());
            assertTrue(loaded.getName().endsWith(c));
        }
    }

    @Test
    void wqlEscapesTheDeviceId() {
        assertEquals("SELECT __PATH FROM Win32_EncryptableVolume WHERE DeviceID='\\\\\\\\?\\\\Volume{6b1c3a5e-2f4d-4e8a-9b7c-0d1e2f3a4b5c}\\\\'",
                WmiBitLockerControl.wqlForDevice("\\\\?\\Volume{6B1C3A5E-2F4D-4E8A-9B7C-0D1E2F3A4B5C}\\"));
    }

    @Test
    void multiSzSplitsMountPointLists() {
        assertEquals(List.of("C:\\", "D:\\mnt\\win\\"), MultiSz.split("C:\\\0D:\\mnt\\win\\\0\0garbage".toCharArray()));
        assertEquals(List.of(), MultiSz.split(new char[] {0, 0}));
        assertEquals(List.of("E:\\"), MultiSz.split("E:\\\0".toCharArray()));
    }
}
