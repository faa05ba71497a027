package org.divert4j.api.windows;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.W32Errors;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.divert4j.api.Device;
import org.divert4j.api.spi.DeviceChannel;
import org.divert4j.api.spi.DeviceOpenException;
import org.divert4j.api.spi.DeviceTransport;
import org.divert4j.api.spi.DriverManager;
import org.divert4j.api.spi.IoResult;
import org.divert4j.api.spi.IoSlot;

/**
 * The Windows transport: the device is opened with {@code CreateFileW} (overlapped), requests
 * go through {@code DeviceIoControl} with a per-slot OVERLAPPED and auto-reset event and are
 * awaited with {@code GetOverlappedResult} (docs/spec/device-abi.md §10); {@code CancelIoEx} cancels.
 */
public final class WindowsTransport implements DeviceTransport {
    /** kernel32 is loaded on first use: constructing the transport touches no native library. */
    private final Supplier<Kernel32DeviceIo> kernel32;

    /** The transport over the platform's kernel32. */
    public WindowsTransport() {
        this.kernel32 = Win32::kernel32;
    }

    /**
     * The transport over other kernel32 calls: a simulated kernel's, to run the transport
     * (every IOCTL byte it sends) against the driver's sources on another OS.
     *
     * @param kernel32 the calls
     */
    public WindowsTransport(Kernel32DeviceIo kernel32) {
        Objects.requireNonNull(kernel32, "kernel32");
        this.kernel32 = () -> kernel32;
    }

    @Override
    public String name() {
        return "windows";
    }

    @Override
    public DeviceChannel open(String devicePath) throws DeviceOpenException {
        Kernel32DeviceIo io = kernel32.get();
        HANDLE h = io.CreateFile(devicePath, WinNT.GENERIC_READ | WinNT.GENERIC_WRITE, 0, null,
                WinNT.OPEN_EXISTING, WinNT.FILE_ATTRIBUTE_NORMAL | WinNT.FILE_FLAG_OVERLAPPED, null);
        if (h == null || WinBase.INVALID_HANDLE_VALUE.equals(h)) {
            throw new DeviceOpenException(Win32.lastError(), "CreateFile " + devicePath);
        }
        return new Channel(io, h);
    }

    @Override
    public long counterFrequency() {
        LongByReference f = new LongByReference();
        kernel32.get().QueryPerformanceFrequency(f);
        return f.getValue();
    }

    @Override
    public long counterNow() {
        LongByReference c = new LongByReference();
        kernel32.get().QueryPerformanceCounter(c);
        return c.getValue();
    }

    @Override
    public Optional<DriverManager> driverManager() {
        return Optional.of(new WindowsDriverManager(Device.DIVERT4J_SERVICE, Device.DIVERT4J_INSTALL_MUTEX));
    }

    /**
     * The DeviceIoControl arguments for a request: input = the 16-byte header, output = the data
     * buffer (NULL and 0 without one).
     *
     * @param inBuffer header address
     * @param inLength header length
     * @param outBuffer data address or NULL
     * @param outLength data length
     */
    record IoctlArgs(Pointer inBuffer, int inLength, Pointer outBuffer, int outLength) {
        static IoctlArgs of(ByteBuffer header, ByteBuffer data) {
            if (!header.isDirect() || (data != null && !data.isDirect())) {
                throw new IllegalArgumentException("request buffers must be direct");
            }
            Pointer out = data == null ? Pointer.NULL : Native.getDirectBufferPointer(data);
            return new IoctlArgs(Native.getDirectBufferPointer(header), header.limit(), out,
                    data == null ? 0 : data.limit());
        }
    }

    private static final class Slot implements IoSlot {
        final Memory overlapped = Overlapped.allocate();
        final IntByReference transferred = new IntByReference();
        private final Kernel32DeviceIo io;
        final HANDLE event;

        Slot(Kernel32DeviceIo io) {
            this.io = io;
            event = io.CreateEvent(null, false, false, null);
            if (event == null) {
                throw new IllegalStateException("CreateEvent failed: error " + Win32.lastError());
            }
        }

        @Override
        public void close() {
            io.CloseHandle(event);
        }
    }

    private static final class Channel implements DeviceChannel {
        private final Kernel32DeviceIo io;
        private final HANDLE device;

        Channel(Kernel32DeviceIo io, HANDLE device) {
            this.io = io;
            this.device = device;
        }

        @Override
        public IoSlot newSlot() {
            return new Slot(io);
        }

        @Override
        public IoResult ioctl(IoSlot ioSlot, int code, ByteBuffer header, ByteBuffer data) {
            Slot slot = (Slot) ioSlot;
            IoctlArgs a = IoctlArgs.of(header, data);
            Overlapped.prepare(slot.overlapped, Pointer.nativeValue(slot.event.getPointer()));
            slot.transferred.setValue(0);
            boolean done = io.DeviceIoControl(device, code, a.inBuffer(), a.inLength(),
                    a.outBuffer(), a.outLength(), slot.transferred, slot.overlapped);
            if (!done) {
                int error = Win32.lastError();
                if (error != W32Errors.ERROR_IO_PENDING) {
                    return IoResult.failure(error);
                }
            }
            if (!io.GetOverlappedResult(device, slot.overlapped, slot.transferred, true)) {
                return new IoResult(Win32.lastError(), slot.transferred.getValue());
            }
            return IoResult.success(slot.transferred.getValue());
        }

        @Override
        public void cancel(IoSlot slot) {
            io.CancelIoEx(device, ((Slot) slot).overlapped);
        }

        @Override
        public void cancelAll() {
            io.CancelIoEx(device, null);
        }

        @Override
        public void close() {
            io.CloseHandle(device);
        }
    }
}
