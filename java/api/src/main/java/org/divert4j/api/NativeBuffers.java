package org.divert4j.api;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Direct buffers whose native addresses go into request headers. */
final class NativeBuffers {
    private NativeBuffers() {
    }

    /** A zeroed little-endian direct buffer. */
    static ByteBuffer allocate(int size) {
        return ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
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
