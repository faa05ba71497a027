package org.divert4j.api.windows;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The native OVERLAPPED record: {@code Internal}, {@code InternalHigh} (pointer-sized),
 * {@code Offset}, {@code OffsetHigh} (u32), {@code hEvent} (a handle). Kept in native memory that
 * lives as long as its slot, since the kernel writes it at completion time.
 */
final class Overlapped {
    /** Size of OVERLAPPED for the process's pointer width (32 on x64, 20 on x86). */
    static final int SIZE = 2 * Native.POINTER_SIZE + 8 + Native.POINTER_SIZE;
    /** Offset of {@code hEvent}. */
    static final int EVENT_OFFSET = 2 * Native.POINTER_SIZE + 8;

    private Overlapped() {
    }

    /** A native OVERLAPPED, zeroed. */
    static Memory allocate() {
        Memory m = new Memory(SIZE);
        m.clear();
        return m;
    }

    /** Prepares {@code ov} for a new request: zero everything, then set the completion event. */
    static void prepare(Pointer ov, long event) {
        ov.clear(SIZE);
        if (Native.POINTER_SIZE == 8) {
            ov.setLong(EVENT_OFFSET, event);
        } else {
            ov.setInt(EVENT_OFFSET, (int) event);
        }
    }
}
