package io.bootmedic.diagnosis;

import java.util.Map;

/**
 * Names of common bug checks (Microsoft's "Bug check code reference") and, for those whose parameters name the
 * instruction that failed, which one: the module whose range holds that address is what a triage dump's analysis
 * calls "probably caused by".
 */
public final class BugChecks {
    private BugChecks() {
    }

    private static final Map<Long, String> NAMES = Map.ofEntries(
            Map.entry(0x0AL, "IRQL_NOT_LESS_OR_EQUAL"),
            Map.entry(0x19L, "BAD_POOL_HEADER"),
            Map.entry(0x1AL, "MEMORY_MANAGEMENT"),
            Map.entry(0x1EL, "KMODE_EXCEPTION_NOT_HANDLED"),
            Map.entry(0x24L, "NTFS_FILE_SYSTEM"),
            Map.entry(0x3BL, "SYSTEM_SERVICE_EXCEPTION"),
            Map.entry(0x3DL, "INTERRUPT_EXCEPTION_NOT_HANDLED"),
            Map.entry(0x4EL, "PFN_LIST_CORRUPT"),
            Map.entry(0x50L, "PAGE_FAULT_IN_NONPAGED_AREA"),
            Map.entry(0x51L, "REGISTRY_ERROR"),
            Map.entry(0x5AL, "CRITICAL_SERVICE_FAILED"),
            Map.entry(0x5CL, "HAL_INITIALIZATION_FAILED"),
            Map.entry(0x67L, "CONFIG_INITIALIZATION_FAILED"),
            Map.entry(0x6BL, "PROCESS1_INITIALIZATION_FAILED"),
            Map.entry(0x74L, "BAD_SYSTEM_CONFIG_INFO"),
            Map.entry(0x77L, "KERNEL_STACK_INPAGE_ERROR"),
            Map.entry(0x7AL, "KERNEL_DATA_INPAGE_ERROR"),
            Map.entry(0x7BL, "INACCESSIBLE_BOOT_DEVICE"),
            Map.entry(0x7EL, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED"),
            Map.entry(0x7FL, "UNEXPECTED_KERNEL_MODE_TRAP"),
            Map.entry(0x8EL, "KERNEL_MODE_EXCEPTION_NOT_HANDLED"),
            Map.entry(0x9CL, "MACHINE_CHECK_EXCEPTION"),
            Map.entry(0x9FL, "DRIVER_POWER_STATE_FAILURE"),
            Map.entry(0xA0L, "INTERNAL_POWER_ERROR"),
            Map.entry(0xBEL, "ATTEMPTED_WRITE_TO_READONLY_MEMORY"),
            Map.entry(0xC1L, "SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION"),
            Map.entry(0xC2L, "BAD_POOL_CALLER"),
            Map.entry(0xC4L, "DRIVER_VERIFIER_DETECTED_VIOLATION"),
            Map.entry(0xC5L, "DRIVER_CORRUPTED_EXPOOL"),
            Map.entry(0xCAL, "PNP_DETECTED_FATAL_ERROR"),
            Map.entry(0xCEL, "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS"),
            Map.entry(0xD1L, "DRIVER_IRQL_NOT_LESS_OR_EQUAL"),
            Map.entry(0xD3L, "DRIVER_PORTION_MUST_BE_NONPAGED"),
            Map.entry(0xD5L, "DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL"),
            Map.entry(0xD6L, "DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION"),
            Map.entry(0xE2L, "MANUALLY_INITIATED_CRASH"),
            Map.entry(0xEAL, "THREAD_STUCK_IN_DEVICE_DRIVER"),
            Map.entry(0xEDL, "UNMOUNTABLE_BOOT_VOLUME"),
            Map.entry(0xEFL, "CRITICAL_PROCESS_DIED"),
            Map.entry(0xF4L, "CRITICAL_OBJECT_TERMINATION"),
            Map.entry(0xF7L, "DRIVER_OVERRAN_STACK_BUFFER"),
            Map.entry(0xFCL, "ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY"),
            Map.entry(0xFEL, "BUGCODE_USB_DRIVER"),
            Map.entry(0x101L, "CLOCK_WATCHDOG_TIMEOUT"),
            Map.entry(0x109L, "CRITICAL_STRUCTURE_CORRUPTION"),
            Map.entry(0x10DL, "WDF_VIOLATION"),
            Map.entry(0x116L, "VIDEO_TDR_FAILURE"),
            Map.entry(0x117L, "VIDEO_TDR_TIMEOUT_DETECTED"),
            Map.entry(0x119L, "VIDEO_SCHEDULER_INTERNAL_ERROR"),
            Map.entry(0x124L, "WHEA_UNCORRECTABLE_ERROR"),
            Map.entry(0x133L, "DPC_WATCHDOG_VIOLATION"),
            Map.entry(0x139L, "KERNEL_SECURITY_CHECK_FAILURE"),
            Map.entry(0x13AL, "KERNEL_MODE_HEAP_CORRUPTION"),
            Map.entry(0x144L, "BUGCODE_USB3_DRIVER"),
            Map.entry(0x154L, "UNEXPECTED_STORE_EXCEPTION"),
            Map.entry(0x15FL, "CONNECTED_STANDBY_WATCHDOG_TIMEOUT_LIVEDUMP"),
            Map.entry(0x18BL, "SECURE_KERNEL_ERROR"),
            Map.entry(0x1C8L, "MANUALLY_INITIATED_POWER_BUTTON_HOLD"),
            Map.entry(0x1000007EL, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M"),
            Map.entry(0x1000007FL, "UNEXPECTED_KERNEL_MODE_TRAP_M"),
            Map.entry(0x1000008EL, "KERNEL_MODE_EXCEPTION_NOT_HANDLED_M"),
            Map.entry(0x100000EAL, "THREAD_STUCK_IN_DEVICE_DRIVER_M"),
            Map.entry(0xC000021AL, "WINLOGON_FATAL_ERROR"),
            Map.entry(0xDEADDEADL, "MANUALLY_INITIATED_CRASH1"));

    /**
     * Which parameter (1-4) holds the address of the instruction that failed, per the bug check's reference page:
     * "the address at which the exception occurred" (0x1E, 0x7E, 0x8E, 0x3B), "the address that referenced the
     * memory" (0x0A, 0xD1, 0xC5, 0xD3; 0x50, 0xCE, 0xD5, 0xD6 as their third).
     */
    private static final Map<Long, Integer> CODE_ADDRESS = Map.ofEntries(
            Map.entry(0x0AL, 4), Map.entry(0xD1L, 4), Map.entry(0xC5L, 4), Map.entry(0xD3L, 4),
            Map.entry(0x1EL, 2), Map.entry(0x7EL, 2), Map.entry(0x8EL, 2), Map.entry(0x3BL, 2),
            Map.entry(0x1000007EL, 2), Map.entry(0x1000008EL, 2),
            Map.entry(0x50L, 3), Map.entry(0xCEL, 3), Map.entry(0xD5L, 3), Map.entry(0xD6L, 3));

    /** Names of the exception codes user-mode minidumps most often carry. */
    private static final Map<Long, String> EXCEPTIONS = Map.of(
            0x80000003L, "EXCEPTION_BREAKPOINT",
            0xC0000005L, "EXCEPTION_ACCESS_VIOLATION",
            0xC000001DL, "EXCEPTION_ILLEGAL_INSTRUCTION",
            0xC0000094L, "EXCEPTION_INT_DIVIDE_BY_ZERO",
            0xC00000FDL, "EXCEPTION_STACK_OVERFLOW",
            0xC0000374L, "STATUS_HEAP_CORRUPTION",
            0xC0000409L, "STATUS_STACK_BUFFER_OVERRUN",
            0xE06D7363L, "C++ exception");

    /** The bug check's name, or null when it is not in the table. */
    public static String name(long code) {
        return NAMES.get(code);
    }

    /** A user-mode exception code's name, or null. */
    public static String exceptionName(long code) {
        return EXCEPTIONS.get(code);
    }

    /** The 1-based parameter that holds a code address, or 0 when the bug check names none. */
    public static int codeAddressParameter(long code) {
        return CODE_ADDRESS.getOrDefault(code, 0);
    }

    /** "0x0000007E", as Windows shows stop codes. */
    public static String code(long code) {
        return String.format("0x%08X", code);
    }

    /** "0xfffff8048b58334c", "0x0": a parameter as WinDbg prints it, unsigned. */
    public static String parameter(long value) {
        return "0x" + Long.toHexString(value);
    }
}
