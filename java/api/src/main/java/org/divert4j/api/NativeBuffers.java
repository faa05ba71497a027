package org.divert4j.api;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/** Direct buffers whose native addresses go into request headers. */
final class NativeBuffers {
    private NativeBuffers() {
    }

    /** The native address of a direct buffer's first byte. */
    static long address(ByteBuffer direct) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }

    /** The pointer width of this process, reported in the handshake. */
    static int pointerBits() {
        return Native.POINTER_SIZE * 8;
    }
}
