package org.divert4j.api.linux;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.divert4j.abi.Ioctl;
import org.divert4j.api.Device;
import org.divert4j.api.DivertException;
import org.divert4j.api.WinError;
import org.divert4j.api.spi.DeviceChannel;
import org.divert4j.api.spi.DeviceOpenException;
import org.divert4j.api.spi.DeviceTransport;
import org.divert4j.api.spi.DriverManager;
import org.divert4j.api.spi.IoResult;
import org.divert4j.api.spi.IoSlot;
import org.divert4j.nativelib.NativeLibrary;

/**
 * The Linux transport: the "device" is the NFQUEUE host inside the bundled
 * {@code libdivert4j.so}, which takes the very requests the Windows driver takes (IOCTL code,
 * 16-byte header, data buffer, address arrays by pointer) through {@code divert4j_ioctl}.
 * Requests complete synchronously in the calling thread; a slot is just a number the host
 * uses to cancel the request pending on it. Needs root (CAP_NET_ADMIN); nothing is installed.
 *
 * <p>A failed INITIALIZE, or a STARTUP failing for another reason than the program itself, is
 * thrown here as a {@link DivertException} carrying the host's explanation (a layer Linux does
 * not support, netfilter rules that could not be installed), which a bare error code would lose.
 */
public final class LinuxTransport implements DeviceTransport {
    private static final AtomicLong SLOTS = new AtomicLong();

    @Override
    public String name() {
        return "linux";
    }

    /**
     * Opens a host handle. Only divert4j's device exists on Linux; any other path is "not found".
     */
    @Override
    public DeviceChannel open(String devicePath) throws DeviceOpenException {
        if (!Device.DIVERT4J_PATH.equals(devicePath)) {
            throw new DeviceOpenException(WinError.FILE_NOT_FOUND.code(), devicePath + " does not exist on Linux");
        }
        IntByReference handle = new IntByReference();
        int error = NativeLibrary.divert4j_open(handle);
        if (error != 0) {
            throw new DeviceOpenException(error, "open the Linux host: " + lastMessage());
        }
        return new Channel(handle.getValue());
    }

    /** Linux has no driver to install. */
    @Override
    public Optional<DriverManager> driverManager() {
        return Optional.empty();
    }

    /** {@return the host's detail for this thread's last failed call ("" if none)} */
    public static String lastMessage() {
        try (Memory m = new Memory(256)) {
            NativeLibrary.divert4j_last_message(m, 256);
            return m.getString(0, StandardCharsets.UTF_8.name());
        }
    }

    private static final class Slot implements IoSlot {
        final long id = SLOTS.incrementAndGet();
        final IntByReference bytes = new IntByReference();
        final long bytesAddress = Pointer.nativeValue(bytes.getPointer());

        @Override
        public void close() {
            // Nothing native: the id is only a name for cancellation.
        }
    }

    private static final class Channel implements DeviceChannel {
        private final int handle;

        Channel(int handle) {
            this.handle = handle;
        }

        @Override
        public IoSlot newSlot() {
            return new Slot();
        }

        @Override
        public IoResult ioctl(IoSlot ioSlot, int code, ByteBuffer header, ByteBuffer data) {
            if (!header.isDirect() || (data != null && !data.isDirect())) {
                throw new IllegalArgumentException("request buffers must be direct");
            }
            Slot slot = (Slot) ioSlot;
            slot.bytes.setValue(0);
            long d = data == null ? 0 : address(data);
            int error = NativeLibrary.divert4j_ioctl(handle, slot.id, code, address(header), d,
                    data == null ? 0 : data.limit(), slot.bytesAddress);
            if (error != 0 && (code == Ioctl.INITIALIZE.code()
                    || (code == Ioctl.STARTUP.code() && error != WinError.INVALID_PARAMETER.code()))) {
                throw DivertException.of(error, code == Ioctl.INITIALIZE.code() ? "open (handshake)" : "open (start)",
                        lastMessage());
            }
            return new IoResult(error, slot.bytes.getValue());
        }

        private static long address(ByteBuffer direct) {
            return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
        }

        @Override
        public void cancel(IoSlot slot) {
            NativeLibrary.divert4j_cancel(handle, ((Slot) slot).id);
        }

        @Override
        public void cancelAll() {
            NativeLibrary.divert4j_cancel(handle, 0);
        }

        @Override
        public void close() {
            NativeLibrary.divert4j_close(handle);
        }
    }
}
