package org.divert4j.api;

import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.divert4j.abi.Abi;
import org.divert4j.abi.Address;
import org.divert4j.api.codec.AddressCodec;
import org.divert4j.api.spi.DeviceChannel;
import org.divert4j.api.spi.DeviceOpenException;
import org.divert4j.api.spi.DeviceTransport;
import org.divert4j.api.spi.DriverManager;
import org.divert4j.api.spi.IoResult;
import org.divert4j.api.spi.IoSlot;

/**
 * A scripted stand-in for the driver: every request is recorded (code, header bytes, data bytes
 * as passed) and answered by the next scripted step, which may write into the caller's buffers
 * through the pointers in the header, exactly as the driver does.
 */
final class FakeTransport implements DeviceTransport {

    /** One request as the client issued it. */
    static final class Call {
        final int code;
        final byte[] header;
        final byte[] dataIn;
        final ByteBuffer data;

        Call(int code, ByteBuffer header, ByteBuffer data) {
            this.code = code;
            this.header = new byte[header.remaining()];
            header.duplicate().get(this.header);
            this.data = data;
            this.dataIn = data == null ? null : new byte[data.limit()];
            if (data != null) {
                data.duplicate().clear().get(this.dataIn);
            }
        }

        long headerLong(int offset) {
            return ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getLong(offset);
        }

        /** RECV: the u32 the address-length pointer points to (0 pointer: -1). */
        int addressLengthIn() {
            long p = headerLong(8);
            return p == 0 ? -1 : new Pointer(p).getInt(0);
        }

        /** RECV: writes packets back-to-back into the data buffer and their addresses; sets *addr_len_ptr. */
        IoResult deliver(List<byte[]> packets, List<Address> addresses) {
            int off = 0;
            for (byte[] p : packets) {
                data.put(off, p);
                off += p.length;
            }
            Pointer addr = new Pointer(headerLong(0));
            for (int i = 0; i < addresses.size(); i++) {
                byte[] rec = AddressCodec.encode(addresses.get(i));
                addr.write((long) i * Abi.ADDRESS_SIZE, rec, 0, rec.length);
            }
            long lenPtr = headerLong(8);
            if (lenPtr != 0) {
                new Pointer(lenPtr).setInt(0, addresses.size() * Abi.ADDRESS_SIZE);
            }
            return IoResult.success(off);
        }

        /** SEND: the address records the header points to. */
        byte[] sentAddresses() {
            return new Pointer(headerLong(0)).getByteArray(0, (int) headerLong(8));
        }
    }

    /** Answers one request. */
    interface Step {
        IoResult answer(Call call) throws InterruptedException;
    }

    final Map<String, Integer> openErrors = new HashMap<>();
    final List<String> opened = new ArrayList<>();
    final Deque<Step> script = new ArrayDeque<>();
    final List<Call> calls = new ArrayList<>();
    final List<Path> installs = new ArrayList<>();
    boolean canInstall = true;
    volatile boolean closed;
    volatile CountDownLatch cancelled = new CountDownLatch(1);
    final CountDownLatch blocking = new CountDownLatch(1);

    FakeTransport then(Step s) {
        script.add(s);
        return this;
    }

    /** A step that blocks until the request is cancelled, then completes with 995. */
    Step blockUntilCancelled() {
        return call -> {
            blocking.countDown();
            cancelled.await();
            return IoResult.failure(995);
        };
    }

    long frequency = 10_000_000L;
    long counter = 123_456_789_012L;

    /** "linux" makes the client treat this as the Linux transport (its checks and texts). */
    String name = "fake";

    @Override
    public String name() {
        return name;
    }

    @Override
    public long counterFrequency() {
        return frequency;
    }

    @Override
    public long counterNow() {
        return counter;
    }

    @Override
    public DeviceChannel open(String devicePath) throws DeviceOpenException {
        opened.add(devicePath);
        Integer error = openErrors.get(devicePath);
        if (error != null) {
            throw new DeviceOpenException(error, "open " + devicePath);
        }
        return new DeviceChannel() {
            @Override
            public IoSlot newSlot() {
                return () -> { };
            }

            @Override
            public IoResult ioctl(IoSlot slot, int code, ByteBuffer header, ByteBuffer data) {
                Step step;
                Call call = new Call(code, header, data);
                synchronized (FakeTransport.this) {
                    calls.add(call);
                    step = script.poll();
                }
                if (step == null) {
                    throw new AssertionError("unscripted request 0x" + Integer.toHexString(code));
                }
                try {
                    return step.answer(call);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return IoResult.failure(995);
                }
            }

            @Override
            public void cancel(IoSlot slot) {
                cancelled.countDown();
            }

            @Override
            public void cancelAll() {
                cancelled.countDown();
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }

    @Override
    public Optional<DriverManager> driverManager() {
        if (!canInstall) {
            return Optional.empty();
        }
        return Optional.of(new DriverManager() {
            @Override
            public void install(Path driverFile) {
                installs.add(driverFile);
                openErrors.remove(Device.DIVERT4J_PATH);
            }

            @Override
            public void uninstall() {
                throw new AssertionError("not expected");
            }

            @Override
            public Status status() {
                throw new AssertionError("not expected");
            }
        });
    }

    /** INITIALIZE answered like a 2.2 driver (reply written into the version record). */
    static Step handshake(long magic, int major) {
        return call -> {
            ByteBuffer v = call.data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            v.putLong(0, magic).putInt(8, major).putInt(12, 2).putInt(16, 64);
            return IoResult.success(Abi.VERSION_SIZE);
        };
    }

    static Step ok(int bytes) {
        return call -> IoResult.success(bytes);
    }

    static Step error(int code) {
        return call -> IoResult.failure(code);
    }
}
