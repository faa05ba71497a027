package org.divert4j.packet;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.OptionalInt;
import org.divert4j.abi.U128;

/**
 * WinDivert's IPv4/IPv6 address text helpers (docs/spec/helpers.md §6) and conversions to and from
 * {@link InetAddress}.
 *
 * <p>Representation: an IPv4 address is a host-order {@code int} ({@code a.b.c.d} =
 * {@code a<<24 | b<<16 | c<<8 | d}); an IPv6 address is a {@link U128} holding the 128-bit
 * big-endian number (word 0 least significant, as in the address record).
 *
 * <p>Use by the filter tokenizer (docs/spec/filter-language.md §2.3): a word is first tried with
 * {@link #parseIpv4} — a match means the IPv4-<em>mapped</em> value
 * {@code U128.ipv4Mapped(addr)} — and only then with {@link #parseIpv6}. Calling
 * {@link #parseIpv6} on a plain dotted quad yields the IPv4-<em>compatible</em> value
 * {@code ::a.b.c.d}, which is what {@code WinDivertHelperParseIPv6Address} returns.
 *
 * <p>Decision where the specs differ: docs/spec/filter-language.md §2.5 rejects a component ≥ 2^128
 * before reducing it modulo 2^32, docs/spec/helpers.md §6.1 mentions no such limit. Here every component
 * is reduced modulo 2^32 regardless of its length. A filter word has at most 39 bytes, so a
 * component of a valid-looking literal has at most 33 digits (&lt; 2^128) and the filter's
 * behaviour is the same either way.
 */
public final class IpAddresses {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private IpAddresses() {
    }

    /**
     * {@code WinDivertHelperParseIPv4Address} (docs/spec/helpers.md §6.1, docs/spec/filter-language.md §2.5): exactly
     * four dot-separated runs of ASCII decimal digits, nothing else; each component is reduced
     * modulo 2^32 and must then be ≤ 255 ({@code 4294967306.0.0.1} is {@code 10.0.0.1}).
     *
     * @param text the text; not null
     * @return the host-order address, or empty if the text is not an IPv4 literal
     */
    public static OptionalInt parseIpv4(CharSequence text) {
        return parseIpv4(text, 0);
    }

    private static OptionalInt parseIpv4(CharSequence s, int from) {
        int addr = 0;
        int i = from;
        for (int part = 0; part < 4; part++) {
            if (part > 0) {
                if (i >= s.length() || s.charAt(i) != '.') {
                    return OptionalInt.empty();
                }
                i++;
            }
            int start = i;
            long v = 0;
            while (i < s.length() && isDigit(s.charAt(i))) {
                v = (v * 10 + (s.charAt(i) - '0')) & 0xFFFFFFFFL;
                i++;
            }
            if (i == start || v > 255) {
                return OptionalInt.empty();
            }
            addr = addr << 8 | (int) v;
        }
        return i == s.length() ? OptionalInt.of(addr) : OptionalInt.empty();
    }

    /**
     * {@code WinDivertHelperParseIPv6Address} (docs/spec/helpers.md §6.2): the exact algorithm of
     * docs/spec/filter-language.md §2.6 — groups of 1–4 hex digits, at most one {@code ::}, an IPv4 tail
     * only while fewer than six groups precede the gap and only giving {@code ::a.b.c.d} or
     * {@code ::ffff:a.b.c.d}, and any text after the eighth group ignored
     * ({@code 1:2:3:4:5:6:7:8:9} is {@code 1:2:3:4:5:6:7:8}). A plain dotted quad gives the
     * IPv4-compatible {@code ::a.b.c.d}.
     *
     * @param text the text; not null
     * @return the address, or empty if the text is not an IPv6 literal
     */
    public static Optional<U128> parseIpv6(CharSequence text) {
        int[] head = new int[8];
        int[] tail = new int[8];
        int nh = 0;
        int nt = 0;
        boolean gap = false;
        OptionalInt v4 = OptionalInt.empty();
        int n = text.length();
        int i = 0;
        if (n > 0 && text.charAt(0) == ':') {
            if (n < 2 || text.charAt(1) != ':') {
                return Optional.empty();
            }
            gap = true;
            i = 2;
            if (i == n) {
                return Optional.of(U128.ZERO);
            }
        }
        for (int k = 0; k < 8; k++) {
            if (i < n && text.charAt(i) == ':') {
                if (gap) {
                    return Optional.empty();
                }
                gap = true;
                i++;
                if (i == n) {
                    break;
                }
            }
            if (nh < 6) {
                v4 = parseIpv4(text, i);
                if (v4.isPresent()) {
                    break;
                }
            }
            int start = i;
            int group = 0;
            while (i < n && i - start < 4 && Character.digit(text.charAt(i), 16) >= 0 && text.charAt(i) < 0x80) {
                group = group << 4 | Character.digit(text.charAt(i), 16);
                i++;
            }
            if (i == start || (i < n && text.charAt(i) != ':')) {
                return Optional.empty();
            }
            if (gap) {
                tail[nt++] = group;
            } else {
                head[nh++] = group;
            }
            if (i == n) {
                if (gap || k == 7) {
                    break;
                }
                return Optional.empty();
            }
            i++;
        }
        int[] w = new int[8];
        int shift = nt + (v4.isPresent() ? 2 : 0) - 8;
        for (int p = 0; p < 8; p++) {
            int t = p + shift;
            w[p] = (p < nh ? head[p] : 0) | (t >= 0 && t < nt ? tail[t] : 0);
        }
        if (v4.isPresent()) {
            if ((w[0] | w[1] | w[2] | w[3] | w[4] | w[6] | w[7]) != 0 || (w[5] != 0 && w[5] != 0xFFFF)) {
                return Optional.empty();
            }
            w[6] = v4.getAsInt() >>> 16;
            w[7] = v4.getAsInt() & 0xFFFF;
        }
        long hi = 0;
        long lo = 0;
        for (int p = 0; p < 4; p++) {
            hi = hi << 16 | w[p];
            lo = lo << 16 | w[p + 4];
        }
        return Optional.of(new U128(hi, lo));
    }

    /**
     * {@code WinDivertHelperFormatIPv4Address} (docs/spec/helpers.md §6.3): {@code a.b.c.d} in decimal
     * without leading zeros.
     *
     * @param addr the address in host order
     * @return its dotted-quad text
     */
    public static String formatIpv4(int addr) {
        return (addr >>> 24) + "." + (addr >>> 16 & 0xFF) + "." + (addr >>> 8 & 0xFF) + "." + (addr & 0xFF);
    }

    /**
     * {@code WinDivertHelperFormatIPv6Address} (docs/spec/helpers.md §6.4, docs/spec/filter-object.md d.5): an
     * IPv4-mapped address ({@code ::ffff:a.b.c.d}) prints as the bare dotted quad; otherwise the
     * eight groups in lower-case hex without leading zeros, with the longest run of zero groups
     * — even a single zero group, the leftmost on ties — replaced by {@code ::}
     * ({@code 1::2:3:4:5:6:7}, {@code ::1:0:0:1:0:0}, {@code ::}).
     *
     * @param addr the address as a 128-bit number
     * @return its text
     */
    public static String formatIpv6(U128 addr) {
        if (addr.isIpv4Mapped()) {
            return formatIpv4(addr.word(0));
        }
        int[] g = new int[8];
        for (int p = 0; p < 4; p++) {
            g[p] = (int) (addr.hi() >>> (48 - 16 * p)) & 0xFFFF;
            g[p + 4] = (int) (addr.lo() >>> (48 - 16 * p)) & 0xFFFF;
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int p = 0; p < 8; ) {
            if (g[p] != 0) {
                p++;
                continue;
            }
            int start = p;
            while (p < 8 && g[p] == 0) {
                p++;
            }
            if (p - start > bestLen) {
                bestStart = start;
                bestLen = p - start;
            }
        }
        StringBuilder sb = new StringBuilder(39);
        for (int p = 0; p < 8; p++) {
            if (p == bestStart) {
                sb.append("::");
                p += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            appendHex(sb, g[p]);
        }
        return sb.toString();
    }

    private static void appendHex(StringBuilder sb, int v) {
        boolean started = false;
        for (int s = 12; s >= 0; s -= 4) {
            int d = v >>> s & 0xF;
            if (d != 0 || started || s == 0) {
                sb.append(HEX[d]);
                started = true;
            }
        }
    }

    /**
     * The {@link Inet4Address} of a host-order IPv4 address.
     *
     * @param ipv4 the address in host order
     * @return the same address as an {@code Inet4Address}
     */
    public static Inet4Address toInetAddress(int ipv4) {
        byte[] b = {(byte) (ipv4 >>> 24), (byte) (ipv4 >>> 16), (byte) (ipv4 >>> 8), (byte) ipv4};
        try {
            return (Inet4Address) InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 bytes are always a valid IPv4 address", e);
        }
    }

    /**
     * The {@link Inet6Address} of a 128-bit address. Unlike {@link InetAddress#getByAddress(byte[])},
     * an IPv4-mapped value stays an {@code Inet6Address} (no scope id).
     *
     * @param ipv6 the address as a 128-bit number
     * @return the same address as an {@code Inet6Address}
     */
    public static Inet6Address toInetAddress(U128 ipv6) {
        try {
            return Inet6Address.getByAddress(null, ipv6.toBytes(), -1);
        } catch (UnknownHostException e) {
            throw new AssertionError("16 bytes are always a valid IPv6 address", e);
        }
    }

    /**
     * The host-order value of an IPv4 address.
     *
     * @param addr the address
     * @return {@code a.b.c.d} as {@code a<<24|b<<16|c<<8|d}
     */
    public static int toIpv4(Inet4Address addr) {
        byte[] b = addr.getAddress();
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }

    /**
     * The 128-bit value of any address as the filter language and the address record see it: an
     * IPv6 address as is (the scope id is dropped), an IPv4 address IPv4-mapped
     * ({@code ::ffff:a.b.c.d}).
     *
     * @param addr an IPv4 or IPv6 address
     * @return its 128-bit value
     */
    public static U128 toU128(InetAddress addr) {
        if (addr instanceof Inet4Address v4) {
            return U128.ipv4Mapped(toIpv4(v4));
        }
        return U128.fromBytes(addr.getAddress(), 0);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
