package org.divert4j.packet.header;

import java.nio.ByteBuffer;

/**
 * Base of every header view: a buffer, the absolute index of the header's first byte, and a hook
 * that runs after every write (a {@link org.divert4j.packet.Packet} uses it to forget its cached
 * decomposition). Accessors rely on the buffer's own bounds checks: reading past its limit throws
 * {@link IndexOutOfBoundsException}.
 */
public abstract sealed class HeaderView
        permits Ipv4Header, Ipv6Header, Ipv6ExtensionHeader, Ipv6FragmentHeader, IcmpMessage,
        TcpHeader, UdpHeader {
    private static final Runnable NOTHING = () -> { };

    private final ByteBuffer buf;
    private final int offset;
    private final Runnable onWrite;

    HeaderView(ByteBuffer buf, int offset, Runnable onWrite) {
        if (offset < 0 || offset >= buf.limit()) {
            throw new IndexOutOfBoundsException("header offset " + offset + " outside buffer limit " + buf.limit());
        }
        this.buf = buf;
        this.offset = offset;
        this.onWrite = onWrite == null ? NOTHING : onWrite;
    }

    /** {@return the buffer the header lives in} */
    public final ByteBuffer buffer() {
        return buf;
    }

    /** {@return absolute index of the header's first byte in {@link #buffer()}} */
    public final int offset() {
        return offset;
    }

    final int u8(int i) {
        return buf.get(offset + i) & 0xFF;
    }

    final int u16(int i) {
        return (buf.get(offset + i) & 0xFF) << 8 | (buf.get(offset + i + 1) & 0xFF);
    }

    final long u32(int i) {
        return (long) u16(i) << 16 | u16(i + 2);
    }

    final boolean bit(int i, int mask) {
        return (u8(i) & mask) != 0;
    }

    final void put8(int i, int v, String field) {
        check(v, 0xFF, field);
        buf.put(offset + i, (byte) v);
        onWrite.run();
    }

    final void put16(int i, int v, String field) {
        check(v, 0xFFFF, field);
        buf.put(offset + i, (byte) (v >>> 8));
        buf.put(offset + i + 1, (byte) v);
        onWrite.run();
    }

    final void put32(int i, long v, String field) {
        if ((v & ~0xFFFFFFFFL) != 0) {
            throw new IllegalArgumentException(field + " is 32-bit unsigned: " + v);
        }
        buf.put(offset + i, (byte) (v >>> 24));
        buf.put(offset + i + 1, (byte) (v >>> 16));
        buf.put(offset + i + 2, (byte) (v >>> 8));
        buf.put(offset + i + 3, (byte) v);
        onWrite.run();
    }

    /** Replaces the bits {@code mask} of byte {@code i} with {@code v} (already shifted into place). */
    final void putBits(int i, int mask, int v) {
        buf.put(offset + i, (byte) ((u8(i) & ~mask) | (v & mask)));
        onWrite.run();
    }

    final void putFlag(int i, int mask, boolean on) {
        putBits(i, mask, on ? mask : 0);
    }

    /** Checks {@code v} fits in {@code max} (a mask of the field's width). */
    static void check(long v, long max, String field) {
        if (v < 0 || v > max) {
            throw new IllegalArgumentException(field + " out of range 0.." + max + ": " + v);
        }
    }

    /** The bytes {@code [from, from + length)} of the header, clamped to the buffer limit. */
    final ByteBuffer slice(int from, int length) {
        int start = Math.min(offset + from, buf.limit());
        return buf.slice(start, Math.max(0, Math.min(length, buf.limit() - start)));
    }
}
