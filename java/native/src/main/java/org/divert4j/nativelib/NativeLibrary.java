package org.divert4j.nativelib;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The bundled {@code libdivert4j.so} (the driver core built for Linux), loaded through JNA from
 * the class path resource {@code linux-x86-64/libdivert4j.so}.
 */
public final class NativeLibrary {
    /** The ABI version this Java code was written for: (major &lt;&lt; 16) | minor. */
    public static final int EXPECTED_ABI_VERSION = 0x00020002;

    /** The raw entry points of the library. */
    interface Binding extends Library {
        int divert4j_abi_version();

        int divert4j_eval_filter(byte[] program, int programLength, int layer, byte[] packet,
                int packetLength, byte[] address);

        int divert4j_bpf_describe(byte[] program, int programLength, int layer, byte[] out, int outLength);
    }

    private static final class Holder {
        static final Binding BINDING = load();
    }

    private NativeLibrary() {
    }

    private static Binding load() {
        Binding b;
        try {
            b = Native.load("divert4j", Binding.class);
        } catch (UnsatisfiedLinkError e) {
            throw new NativeLibraryException("cannot load libdivert4j.so (" + e.getMessage()
                    + "); it is bundled for linux-x86-64 only", e);
        }
        int version = b.divert4j_abi_version();
        if (version != EXPECTED_ABI_VERSION) {
            throw new NativeLibraryException(String.format(
                    "libdivert4j.so speaks ABI %d.%d, this code expects %d.%d",
                    version >>> 16, version & 0xFFFF,
                    EXPECTED_ABI_VERSION >>> 16, EXPECTED_ABI_VERSION & 0xFFFF), null);
        }
        return b;
    }

    static Binding binding() {
        return Holder.BINDING;
    }

    /**
     * The ABI version of the loaded library.
     *
     * @throws NativeLibraryException if the library cannot be loaded or is incompatible
     */
    public static int abiVersion() {
        return binding().divert4j_abi_version();
    }
}
