package org.divert4j.api;

/**
 * The Windows error codes a divert handle can report (docs/spec/device-abi.md §11), each with what it
 * means here and what to do about it. The Linux transport reports the same codes.
 */
public enum WinError {
    /** 1: the driver does not know the request. */
    INVALID_FUNCTION(1, "the driver does not know this request",
            "the loaded driver does not speak this library's protocol: reinstall the matching driver"),
    /** 2: the device or the driver file does not exist. */
    FILE_NOT_FOUND(2, "the divert driver is not installed or its file was not found",
            "put divert4j.sys next to divert4j.jar, or set -Ddivert4j.driver=PATH, then retry"),
    /** 3: as {@link #FILE_NOT_FOUND}. */
    PATH_NOT_FOUND(3, "the divert driver is not installed or its file's path was not found",
            "put divert4j.sys next to divert4j.jar, or set -Ddivert4j.driver=PATH, then retry"),
    /** 5: not elevated. */
    ACCESS_DENIED(5, "access denied: opening the divert device and installing the driver need Administrator rights",
            "run from an elevated (Administrator) prompt"),
    /** 13: the device returned data that does not follow the protocol. */
    INVALID_DATA(13, "the device returned malformed data (packet lengths do not frame the batch)",
            "driver and library disagree on the protocol: reinstall the matching driver"),
    /** 22: a request in the wrong handle state. */
    BAD_COMMAND(22, "the handle is not in a state that allows this request",
            "the handle was not opened completely; open a new handle"),
    /** 50: no transport for this operating system (only Windows and Linux have one). */
    NOT_SUPPORTED(50, "packet diversion is not available on this platform",
            "run on Windows (x64) with the divert4j or WinDivert driver, or on Linux (x86-64) as root:"
                    + " the Linux host is bundled in the jar, nothing to install"),
    /** 87: a bad layer, flag, priority, filter, parameter or buffer. */
    INVALID_PARAMETER(87, "invalid parameter (layer, flags, priority, filter, parameter value or buffer)",
            "check the arguments; the layer requires certain flags (FLOW/REFLECT: SNIFF+RECV_ONLY, SOCKET: RECV_ONLY)"),
    /** 110: the driver could not be installed, without a more precise error. */
    OPEN_FAILED(110, "the divert driver could not be installed",
            "run 'divert4j driver install' to see which step fails"),
    /** 122: a receive buffer was too small; the packet was truncated. */
    INSUFFICIENT_BUFFER(122, "the buffer is too small for the packet (receive: truncated; send: data shorter than the packets)",
            "receive into a buffer of at least 65575 bytes; send complete packets"),
    /** 161: the driver path is too long. */
    BAD_PATHNAME(161, "the driver path is too long (more than 260 characters)",
            "move divert4j.sys to a shorter path and set -Ddivert4j.driver=PATH"),
    /** 232: the handle was shut down and its queue is empty. */
    NO_DATA(232, "the handle was shut down and no packets are left",
            "nothing to do: this ends a receive loop"),
    /** 577: the driver's signature was not accepted. */
    INVALID_IMAGE_HASH(577, "Windows rejected the driver's signature",
            "use a properly signed driver, or for a test-signed build enable test signing (bcdedit /set testsigning on) and reboot"),
    /** 654: the driver answered the handshake with a wrong magic or an old version. */
    DRIVER_FAILED_PRIOR_UNLOAD(654, "the loaded driver is incompatible (handshake magic or version mismatch)",
            "close every program using the driver, run 'divert4j driver uninstall' (or reboot), then retry"),
    /** 995: the request was cancelled, usually because the handle was closed. */
    OPERATION_ABORTED(995, "the request was cancelled (the handle was closed)",
            "nothing to do if the handle was closed on purpose"),
    /** 1060: the driver is not installed and the handle was opened with NO_INSTALL. */
    SERVICE_DOES_NOT_EXIST(1060, "the divert driver is not installed and NO_INSTALL was given",
            "run 'divert4j driver install' as Administrator, or open without NO_INSTALL"),
    /** 1072: an earlier instance of the service is still being deleted. */
    SERVICE_MARKED_FOR_DELETE(1072, "the driver service is marked for deletion by an earlier uninstall",
            "close every program using the driver (or reboot), then retry"),
    /** 1232: an impostor packet's TTL ran out on reinjection. */
    HOST_UNREACHABLE(1232, "the packet was dropped: its TTL/hop limit ran out when reinjected as an impostor",
            "do not reinject impostor packets in a loop; clear the impostor flag only if you know the packet cannot loop"),
    /** 1275: Windows blocked the driver. */
    DRIVER_BLOCKED(1275, "Windows blocked the driver from loading",
            "check the driver blocklist, Secure Boot and Memory integrity (Core isolation) settings"),
    /** 1450: the driver ran out of memory. */
    NO_SYSTEM_RESOURCES(1450, "the driver ran out of memory",
            "lower the queue parameters or receive faster"),
    /** 1753: the Base Filtering Engine is not running. */
    EPT_S_NOT_REGISTERED(1753, "the Base Filtering Engine (BFE) service is not running",
            "start it: 'sc start BFE' (and set it to automatic start)");

    private final int code;
    private final String meaning;
    private final String remedy;

    WinError(int code, String meaning, String remedy) {
        this.code = code;
        this.meaning = meaning;
        this.remedy = remedy;
    }

    /** {@return the Windows error number} */
    public int code() {
        return code;
    }

    /** {@return what the error means for a divert handle} */
    public String meaning() {
        return meaning;
    }

    /** {@return what the user can do about it} */
    public String remedy() {
        return remedy;
    }

    /**
     * The entry for a code.
     *
     * @param code a Windows error code
     * @return its entry, or null if the spec does not list the code
     */
    public static WinError of(int code) {
        for (WinError e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return null;
    }
}
