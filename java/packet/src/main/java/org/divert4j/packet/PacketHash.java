package org.divert4j.packet;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * WinDivert's 64-bit packet hash (docs/spec/helpers.md §7), bit-identical to the reference, and the
 * {@code random8/16/32} filter values derived from it (docs/spec/filter-language.md §8.4).
 */
public final class PacketHash {
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long[] K = {
        0x428A2F9871374491L, 0xB5C0FBCFE9B5DBA5L, 0x3956C25B59F111F1L,
        0x923F82A4AB1C5ED5L, 0xD807AA9812835B01L, 0x243185BE550C7DC3L,
        0x72BE5D7480DEB1FEL, 0x9BDC06A7C19BF174L,
    };

    private PacketHash() {
    }

    /**
     * {@code WinDivertHelperHashPacket}: the hash of the packet at {@code offset} with
     * {@code length} bytes, or 0 if it is not a valid, complete IP packet (a truncated packet
     * hashes to 0; trailing bytes are ignored).
     *
     * @param buf the buffer holding the packet
     * @param offset absolute index of the packet's first byte
     * @param length the number of bytes available from {@code offset}
     * @param seed the hash seed (docs/spec/helpers.md §7.1)
     * @return the 64-bit hash, or 0
     */
    public static long hashPacket(ByteBuffer buf, int offset, int length, long seed) {
        Optional<Decomposition> d = PacketParser.decompose(buf, offset, length);
        if (d.isEmpty() || d.get().truncated()) {
            return 0;
        }
        return hash(buf, offset, d.get(), seed);
    }

    /**
     * The core hash over already decomposed headers (the filter evaluator's variant: truncated
     * packets are hashed too).
     *
     * @param buf the buffer holding the packet
     * @param offset absolute index of the packet's first byte
     * @param d the packet's decomposition
     * @param seed the hash seed (docs/spec/helpers.md §7.1)
     * @return the 64-bit hash
     */
    public static long hash(ByteBuffer buf, int offset, Decomposition d, long seed) {
        long[] data = new long[4];
        long a1 = seed ^ K[0];
        long a2;
        long a3;
        long a4;
        int j;
        if (d.isIpv4()) {
            a2 = le64(buf, offset) ^ K[1];
            a3 = le64(buf, offset + 8) ^ K[2];
            a4 = le32(buf, offset + 16) ^ K[3];
            j = 0;
        } else {
            a2 = le64(buf, offset) ^ K[1];
            a3 = le64(buf, offset + 8) ^ K[2];
            a4 = le64(buf, offset + 16) ^ K[3];
            data[0] = le64(buf, offset + 24) ^ K[4];
            data[1] = le64(buf, offset + 32) ^ K[5];
            j = 2;
        }
        int t = offset + d.transportOffset();
        switch (d.transport()) {
            case TCP:
                data[j] = le64(buf, t) ^ K[4 + j];
                j++;
                data[j] = le64(buf, t + 8) ^ K[4 + j];
                j++;
                if (j <= 3) {
                    data[j] = le32(buf, t + 16) ^ K[4 + j];
                    j++;
                } else {
                    a2 ^= le32(buf, t + 16) << 32;
                }
                break;
            case UDP:
            case ICMP:
            case ICMPV6:
                data[j] = le64(buf, t) ^ K[4 + j];
                j++;
                break;
            default:
                break;
        }
        for (; j <= 3; j++) {
            data[j] = seed ^ K[4 + j];
        }
        a1 = round(data[0], a1);
        a2 = round(data[1], a2);
        a3 = round(data[2], a3);
        a4 = round(data[3], a4);
        long h = Long.rotateLeft(a1, 1) + Long.rotateLeft(a2, 7) + Long.rotateLeft(a3, 12)
                + Long.rotateLeft(a4, 18);
        h = merge(h, a1);
        h = merge(h, a2);
        h = merge(h, a3);
        h = merge(h, a4);
        h += 32;
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    /**
     * {@code random8}: bits 48–55 of the hash.
     *
     * @param hash a packet hash
     * @return 0 … 255
     */
    public static int random8(long hash) {
        return (int) (hash >>> 48) & 0xFF;
    }

    /**
     * {@code random16}: bits 32–47 of the hash.
     *
     * @param hash a packet hash
     * @return 0 … 65535
     */
    public static int random16(long hash) {
        return (int) (hash >>> 32) & 0xFFFF;
    }

    /**
     * {@code random32}: bits 0–31 of the hash, as an unsigned value.
     *
     * @param hash a packet hash
     * @return 0 … 2³² − 1
     */
    public static long random32(long hash) {
        return hash & 0xFFFFFFFFL;
    }

    private static long round(long acc, long x) {
        return Long.rotateLeft(acc + x * P2, 31) * P1;
    }

    private static long merge(long h, long a) {
        return (h ^ round(0, a)) * P1 + P4;
    }

    private static long le64(ByteBuffer b, int i) {
        long v = 0;
        for (int k = 7; k >= 0; k--) {
            v = v << 8 | (b.get(i + k) & 0xFF);
        }
        return v;
    }

    private static long le32(ByteBuffer b, int i) {
        return (b.get(i) & 0xFFL) | (b.get(i + 1) & 0xFFL) << 8 | (b.get(i + 2) & 0xFFL) << 16
                | (b.get(i + 3) & 0xFFL) << 24;
    }
}
