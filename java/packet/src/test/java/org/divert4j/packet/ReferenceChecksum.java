package org.divert4j.packet;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A second, deliberately different Internet-checksum implementation for tests: builds the
 * pseudo-header as bytes, adds 16-bit words with an end-around carry after every addition, and
 * reads headers by fixed offsets of its own (no use of the library's parser).
 */
final class ReferenceChecksum {
    private ReferenceChecksum() {
    }

    /** One's-complement sum of {@code b} (odd length padded), not complemented. */
    static int onesSum(byte[] b) {
        int s = 0;
        for (int i = 0; i < b.length; i += 2) {
            int w = (b[i] & 0xFF) << 8 | (i + 1 < b.length ? b[i + 1] & 0xFF : 0);
            s += w;
            if (s > 0xFFFF) {
                s = (s & 0xFFFF) + 1;
            }
        }
        return s;
    }

    static int checksum(byte[] b) {
        return ~onesSum(b) & 0xFFFF;
    }

    /** IPv4 header checksum of a packet with its checksum field treated as zero. */
    static int ipv4Header(byte[] p) {
        byte[] h = Arrays.copyOf(p, (p[0] & 0xF) * 4);
        h[10] = 0;
        h[11] = 0;
        return checksum(h);
    }

    /**
     * The transport checksum with pseudo-header for a packet whose transport segment spans
     * {@code [t, end)}, checksum field at {@code t + field} treated as zero.
     */
    static int transport(byte[] p, int t, int end, int proto, int field) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int n = end - t;
        if ((p[0] & 0xF0) == 0x40) {
            b.write(p, 12, 8);
            b.write(0);
            b.write(proto);
            b.write(n >>> 8);
            b.write(n);
        } else if (proto != 1) {
            b.write(p, 8, 32);
            b.write(n >>> 24);
            b.write(n >>> 16);
            b.write(n >>> 8);
            b.write(n);
            b.write(0);
            b.write(0);
            b.write(0);
            b.write(proto);
        }
        byte[] seg = Arrays.copyOfRange(p, t, end);
        seg[field] = 0;
        seg[field + 1] = 0;
        if (proto == 1) {
            return checksum(seg);
        }
        b.write(seg, 0, seg.length);
        return checksum(b.toByteArray());
    }
}
