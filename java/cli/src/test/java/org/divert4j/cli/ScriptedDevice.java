package org.divert4j.cli;

import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.divert4j.abi.Abi;
import org.divert4j.abi.Ioctl;
import org.divert4j.api.DivertPacket;
import org.divert4j.api.codec.AddressCodec;
import org.divert4j.api.spi.DeviceChannel;
import org.divert4j.api.spi.DeviceTransport;
import org.divert4j.api.spi.DriverManager;
import org.divert4j.api.spi.IoResult;
import org.divert4j.api.spi.IoSlot;

/**
 * A stand-in driver for CLI tests: answers the handshake like a 2.2 driver, delivers the queued
 * packets one per RECV (then "no data", as after a shutdown), and records what is sent.
 */
final class ScriptedDevice implements DeviceTransport {
    final Deque<DivertPacket> queue = new ArrayDeque<>();
    final List<byte[]> sent = new ArrayList<>();
    final List<Integer> shutdowns = new ArrayList<>();
    int layerOpened = -1;

    /** A microsecond counter that reads 5 s now, so record timestamps convert to epoch time exactly. */
    @Override
    public long counterFrequency() {
        return 1_000_000;
    }

    @Override
    public long counterNow() {
        return 5_000_000;
    }

    @Override
    public String name() {
        return "scripted";
    }

    @Override
    public DeviceChannel open(String devicePath) {
        return new DeviceChannel() {
            @Override
            public IoSlot newSlot() {
                return () -> { };
            }

            @Override
            public synchronized IoResult ioctl(IoSlot slot, int code, ByteBuffer header, ByteBuffer data) {
                ByteBuffer h = header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                if (code == Ioctl.INITIALIZE.code()) {
                    layerOpened = h.getInt(0);
                    data.duplicate().order(ByteOrder.LITTLE_ENDIAN).putLong(0, Abi.MAGIC_SYS).putInt(8, 2).putInt(12, 2);
                    return IoResult.success(64);
                }
                if (code == Ioctl.RECV.code()) {
                    DivertPacket p = queue.poll();
                    if (p == null) {
                        return IoResult.failure(232);
                    }
                    data.put(0, p.data());
                    byte[] a = AddressCodec.encode(p.address());
                    new Pointer(h.getLong(0)).write(0, a, 0, a.length);
                    if (h.getLong(8) != 0) {
                        new Pointer(h.getLong(8)).setInt(0, Abi.ADDRESS_SIZE);
                    }
                    return IoResult.success(p.length());
                }
                if (code == Ioctl.SEND.code()) {
                    byte[] b = new byte[data.limit()];
                    data.duplicate().get(b);
                    sent.add(b);
                    return IoResult.success(b.length);
                }
                if (code == Ioctl.SHUTDOWN.code()) {
                    shutdowns.add(h.getInt(0));
                }
                return IoResult.success(0);
            }

            @Override
            public void cancel(IoSlot slot) {
            }

            @Override
            public void cancelAll() {
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public Optional<DriverManager> driverManager() {
        return Optional.empty();
    }
}
