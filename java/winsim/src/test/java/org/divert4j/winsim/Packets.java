package org.divert4j.winsim;

import java.nio.charset.StandardCharsets;

/** IPv4 (10.0.0.1 -> 10.0.0.2) and IPv6 test packets with valid checksums, built here independently of the packet library. */
final class Packets {
    private Packets() {
    }

    static final int UDP = 17;
    static final int TCP = 6;

    /** UDP from port 1234 to {@code dport}. */
    static byte[] udp(int dport, String payload) {
        byte[] data = payload.getBytes(StandardCharsets.US_ASCII);
        byte[] p = ipv4(UDP, 8 + data.length);
        put16(p, 20, 1234);
        put16(p, 22, dport);
        put16(p, 24, 8 + data.length);
        System.arraycopy(data, 0, p, 28, data.length);
        put16(p, 26, transportChecksum(p, UDP));
        return p;
    }

    /** TCP 1234 -> {@code dport}, a bare ACK with a payload. */
    static byte[] tcp(int dport, String payload) {
        return tcpSegment(dport, 0, payload.getBytes(StandardCharsets.US_ASCII));
    }

    /** One segment of a TCP stream 1234 -> {@code dport}: an ACK at sequence number {@code seq}. */
    static byte[] tcpSegment(int dport, int seq, byte[] data) {
        byte[] p = ipv4(TCP, 20 + data.length);
        put16(p, 20, 1234);
        put16(p, 22, dport);
        put16(p, 24, seq >>> 16);
        put16(p, 26, seq);
        p[32] = 0x50;             /* data offset 5 words */
        p[33] = 0x10;             /* ACK */
        put16(p, 34, 0xFFFF);     /* window */
        System.arraycopy(data, 0, p, 40, data.length);
        put16(p, 36, transportChecksum(p, TCP));
        return p;
    }

    /** IPv6 fd00::1 -> fd00::2, UDP 1234 -> {@code dport}, checksum valid. */
    static byte[] udp6(int dport, String payload) {
        byte[] data = payload.getBytes(StandardCharsets.US_ASCII);
        int udpLength = 8 + data.length;
        byte[] p = new byte[40 + udpLength];
        p[0] = 0x60;
        put16(p, 4, udpLength);
        p[6] = UDP;
        p[7] = 64;
        p[8] = (byte) 0xFD;
        p[23] = 1;
        p[24] = (byte) 0xFD;
        p[39] = 2;
        put16(p, 40, 1234);
        put16(p, 42, dport);
        put16(p, 44, udpLength);
        System.arraycopy(data, 0, p, 48, data.length);
        int pseudo = sum(p, 8, 32, 0) + UDP + udpLength;
        put16(p, 46, fold(sum(p, 40, udpLength, pseudo)));
        return p;
    }

    private static byte[] ipv4(int protocol, int transportLength) {
        byte[] p = new byte[20 + transportLength];
        p[0] = 0x45;
        put16(p, 2, p.length);
        put16(p, 4, 0x1234);
        p[8] = 64;
        p[9] = (byte) protocol;
        p[12] = 10;
        p[15] = 1;
        p[16] = 10;
        p[19] = 2;
        put16(p, 10, fold(sum(p, 0, 20, 0)));
        return p;
    }

    private static int transportChecksum(byte[] p, int protocol) {
        int pseudo = sum(p, 12, 8, 0) + protocol + (p.length - 20);
        return fold(sum(p, 20, p.length - 20, pseudo));
    }

    private static int sum(byte[] p, int offset, int length, int start) {
        int s = start;
        for (int i = 0; i + 1 < length; i += 2) {
            s += ((p[offset + i] & 0xFF) << 8) | (p[offset + i + 1] & 0xFF);
        }
        if ((length & 1) != 0) {
            s += (p[offset + length - 1] & 0xFF) << 8;
        }
        return s;
    }

    private static int fold(int sum) {
        int s = sum;
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return ~s & 0xFFFF;
    }

    private static void put16(byte[] p, int offset, int value) {
        p[offset] = (byte) (value >>> 8);
        p[offset + 1] = (byte) value;
    }
}
