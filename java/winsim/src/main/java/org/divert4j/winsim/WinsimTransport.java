package org.divert4j.winsim;

import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.divert4j.api.spi.DeviceChannel;
import org.divert4j.api.spi.DeviceOpenException;
import org.divert4j.api.spi.DeviceTransport;
import org.divert4j.api.spi.DriverManager;
import org.divert4j.api.spi.IoResult;
import org.divert4j.api.spi.IoSlot;
import org.divert4j.api.windows.WindowsTransport;

/**
 * The Windows transport itself over {@link SimulatedKernel32}: every request is the one the
 * transport sends to the real driver. Only two things differ, both the simulated process's:
 * request buffers are its user memory (the only memory the simulated I/O manager lets the
 * driver probe and lock), and no driver can be installed (the harness loads it).
 */
final class WinsimTransport implements DeviceTransport {
    private final WinsimLibrary lib;
    private final WindowsTransport windows;

    WinsimTransport(WinsimLibrary lib, SimulatedKernel32 kernel32) {
        this.lib = lib;
        this.windows = new WindowsTransport(kernel32);
    }

    @Override
    public String name() {
        return "winsim";
    }

    @Override
    public DeviceChannel open(String devicePath) throws DeviceOpenException {
        return new UserMemoryChannel(windows.open(devicePath));
    }

    @Override
    public long counterFrequency() {
        return windows.counterFrequency();
    }

    @Override
    public long counterNow() {
        return windows.counterNow();
    }

    @Override
    public Optional<DriverManager> driverManager() {
        return Optional.empty();
    }

    /** The transport's channel, with request buffers in simulated user memory, freed at close. */
    private final class UserMemoryChannel implements DeviceChannel {
        private final DeviceChannel channel;
        private final List<Pointer> allocated = new ArrayList<>();

        UserMemoryChannel(DeviceChannel channel) {
            this.channel = channel;
        }

        @Override
        public ByteBuffer allocate(int capacity) {
            Pointer memory = lib.winsim_jna_user_alloc(capacity);
            synchronized (allocated) {
                allocated.add(memory);
            }
            return memory.getByteBuffer(0, capacity).order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        public IoSlot newSlot() {
            return channel.newSlot();
        }

        @Override
        public IoResult ioctl(IoSlot slot, int code, ByteBuffer header, ByteBuffer data) {
            return channel.ioctl(slot, code, header, data);
        }

        @Override
        public void cancel(IoSlot slot) {
            channel.cancel(slot);
        }

        @Override
        public void cancelAll() {
            channel.cancelAll();
        }

        @Override
        public void close() {
            channel.close();
            synchronized (allocated) {
                for (Pointer memory : allocated) {
                    lib.winsim_jna_user_free(memory);
                }
                allocated.clear();
            }
        }
    }
}
