package org.divert4j.api.windows;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.Winsvc;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.divert4j.api.DivertException;
import org.divert4j.api.spi.DriverManager;
import org.junit.jupiter.api.Test;

/** What the Windows transport prepares before calling into kernel32, checked without Windows. */
class WindowsBuffersTest {

    @Test
    void overlappedIsZeroedWithTheEventInPlace() {
        assertThat(Native.POINTER_SIZE).isEqualTo(8);
        assertThat(Overlapped.SIZE).isEqualTo(32);
        assertThat(Overlapped.EVENT_OFFSET).isEqualTo(24);
        Memory ov = Overlapped.allocate();
        ov.setMemory(0, Overlapped.SIZE, (byte) 0x5A);
        Overlapped.prepare(ov, 0x1234_5678_9ABCL);
        byte[] b = ov.getByteArray(0, Overlapped.SIZE);
        for (int i = 0; i < 24; i++) {
            assertThat(b[i]).isEqualTo((byte) 0);
        }
        assertThat(ov.getLong(24)).isEqualTo(0x1234_5678_9ABCL);
    }

    @Test
    void ioctlArgumentsAreTheHeaderAndTheDataBuffer() {
        ByteBuffer header = ByteBuffer.allocateDirect(16);
        ByteBuffer data = ByteBuffer.allocateDirect(100);
        ByteBuffer slice = data.position(8).limit(16).slice();
        WindowsTransport.IoctlArgs a = WindowsTransport.IoctlArgs.of(header, slice);
        assertThat(a.inLength()).isEqualTo(16);
        assertThat(Pointer.nativeValue(a.inBuffer())).isEqualTo(Pointer.nativeValue(Native.getDirectBufferPointer(header)));
        assertThat(a.outLength()).isEqualTo(8);
        assertThat(Pointer.nativeValue(a.outBuffer()))
                .isEqualTo(Pointer.nativeValue(Native.getDirectBufferPointer(data)) + 8);

        WindowsTransport.IoctlArgs none = WindowsTransport.IoctlArgs.of(header, null);
        assertThat(none.outBuffer()).isNull();
        assertThat(none.outLength()).isEqualTo(0);
        assertThrows(IllegalArgumentException.class, () -> WindowsTransport.IoctlArgs.of(ByteBuffer.allocate(16), null));
    }

    @Test
    void driverPathMustFitMaxPath() {
        Path ok = Path.of("/d", "x".repeat(200) + ".sys");
        assertThat(WindowsDriverManager.checkedPath(ok)).endsWith(".sys");
        Path tooLong = Path.of("/d", "x".repeat(300) + ".sys");
        DivertException e = assertThrows(DivertException.class, () -> WindowsDriverManager.checkedPath(tooLong));
        assertThat(e.errorCode()).isEqualTo(161);
    }

    @Test
    void serviceStatesMap() {
        assertThat(WindowsDriverManager.state(Winsvc.SERVICE_RUNNING)).isEqualTo(DriverManager.State.RUNNING);
        assertThat(WindowsDriverManager.state(Winsvc.SERVICE_STOPPED)).isEqualTo(DriverManager.State.STOPPED);
        assertThat(WindowsDriverManager.state(Winsvc.SERVICE_START_PENDING)).isEqualTo(DriverManager.State.PENDING);
    }
}
