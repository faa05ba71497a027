package org.divert4j.nativelib;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The bundled {@code libdivert4j.so} (the driver core and the NFQUEUE host built for Linux),
 * loaded from the class path resource {@code linux-x86-64/libdivert4j.so} and bound once, by
 * JNA direct mapping: every RECV and SEND of the Linux transport crosses here, and pointers
 * passed as addresses need no per-call argument inspection or conversion. The first use of
 * this class loads the library and checks its ABI version; the entry points are for
 * {@link NativeEvaluator}, {@link NativePrefilter} and the Linux transport of divert4j-api, not for applications.
 */
public final class NativeLibrary {
    /** The ABI version this Java code was written for: (major &lt;&lt; 16) | minor. */
    public static final int EXPECTED_ABI_VERSION = 0x00020002;

    static {
        try {
            Native.register(NativeLibrary.class, "divert4j");
        } catch (UnsatisfiedLinkError e) {
            throw new NativeLibraryException("cannot load libdivert4j.so (" + e.getMessage()
                    + "); it is bundled for linux-x86-64 only", e);
        }
        int version = divert4j_abi_version();
        if (version != EXPECTED_ABI_VERSION) {
            throw new NativeLibraryException(String.format(
                    "libdivert4j.so speaks ABI %d.%d, this code expects %d.%d",
                    version >>> 16, version & 0xFFFF,
                    EXPECTED_ABI_VERSION >>> 16, EXPECTED_ABI_VERSION & 0xFFFF), null);
        }
    }

    private NativeLibrary() {
    }

    /**
     * The ABI version of the loaded library.
     *
     * @return (major &lt;&lt; 16) | minor
     * @throws NativeLibraryException if the library cannot be loaded or is incompatible
     */
    public static int abiVersion() {
        return divert4j_abi_version();
    }

    private static native int divert4j_abi_version();

    /** driver/linux/library.c; see {@link NativeEvaluator} and {@link EvalError} for the result. */
    static native int divert4j_eval_filter(byte[] program, int programLength, int layer, byte[] packet,
            int packetLength, byte[] address);

    /** driver/linux/library.c; see {@link NativePrefilter} for the result. */
    static native int divert4j_bpf_describe(byte[] program, int programLength, int layer, byte[] out, int outLength);

    /**
     * Opens a host handle (driver/linux/host.h).
     *
     * @param handle receives the handle
     * @return 0, or a Windows error code (see {@link #divert4j_last_message})
     */
    public static native int divert4j_open(IntByReference handle);

    /**
     * Performs one device request on a host handle, synchronously (driver/linux/host.h).
     *
     * @param handle the host handle
     * @param slot the caller's request id, for {@link #divert4j_cancel}
     * @param code the IOCTL code
     * @param header native address of the 16-byte request header
     * @param data native address of the data buffer, or 0
     * @param dataLength the data buffer's length
     * @param bytes native address of a u32 that receives the bytes transferred
     * @return 0, or a Windows error code
     */
    public static native int divert4j_ioctl(int handle, long slot, int code, long header, long data, int dataLength,
            long bytes);

    /**
     * Cancels the request pending on a slot (driver/linux/host.h).
     *
     * @param handle the host handle
     * @param slot the request id, or 0 for every pending request of the handle
     * @return 0, or a Windows error code
     */
    public static native int divert4j_cancel(int handle, long slot);

    /**
     * Closes a host handle (driver/linux/host.h).
     *
     * @param handle the host handle
     * @return 0, or a Windows error code
     */
    public static native int divert4j_close(int handle);

    /**
     * Copies the calling thread's detail of its last failed call, NUL-terminated (driver/linux/host.h).
     *
     * @param buffer where the UTF-8 text goes
     * @param length the buffer's size in bytes
     * @return as the host defines it
     */
    public static native int divert4j_last_message(Pointer buffer, int length);
}
