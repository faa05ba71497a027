package org.divert4j.packet;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.divert4j.abi.U128;
import org.divert4j.packet.header.IcmpHeader;
import org.divert4j.packet.header.IcmpMessage;
import org.divert4j.packet.header.Icmpv6Header;
import org.divert4j.packet.header.Ipv4Header;
import org.divert4j.packet.header.Ipv6ExtensionHeader;
import org.divert4j.packet.header.Ipv6FragmentHeader;
import org.divert4j.packet.header.Ipv6Header;
import org.divert4j.packet.header.TcpHeader;
import org.divert4j.packet.header.UdpHeader;

/**
 * One IP packet in a {@link ByteBuffer} (heap or direct), read and modified in place: the
 * packet is a zero-copy slice of the buffer it was wrapped from, and the header views write
 * through to it.
 *
 * <p>Where the headers are is decided by WinDivert's decomposition ({@link PacketParser},
 * docs/spec/helpers.md §3.1), computed lazily and recomputed after any write through a view. Malformed
 * packets are represented, never rejected: a header that is not there is an empty
 * {@link Optional}, and {@link #validate()} says what is wrong. Nothing here throws on bad
 * packet bytes. Views taken before a write that moves headers (IHL, data offset, next header,
 * lengths) keep their old offsets; take them again. After writing to {@link #buffer()} directly,
 * call {@link #refresh()}.
 *
 * <p>Not thread-safe.
 */
public final class Packet {
    private ByteBuffer data;
    private Decomposition decomposition;
    private boolean parsed;
    private final Runnable onWrite = this::refresh;

    private Packet(ByteBuffer data) {
        this.data = data;
    }

    /**
     * The packet in the bytes from position to limit of {@code buf} (shared, not copied).
     *
     * @param buf the buffer holding the packet
     * @return a view of those bytes
     */
    public static Packet wrap(ByteBuffer buf) {
        return wrap(buf, buf.position(), buf.remaining());
    }

    /**
     * The packet in {@code length} bytes of {@code buf} from absolute index {@code offset} (shared).
     *
     * @param buf the buffer holding the packet
     * @param offset absolute index of the packet's first byte
     * @param length the packet's number of bytes
     * @return a view of those bytes
     * @throws IndexOutOfBoundsException if the range is not within the buffer's limit
     */
    public static Packet wrap(ByteBuffer buf, int offset, int length) {
        if (offset < 0 || length < 0 || offset > buf.limit() - length) {
            throw new IndexOutOfBoundsException("offset " + offset + " length " + length
                    + " outside buffer limit " + buf.limit());
        }
        return new Packet(buf.slice(offset, length));
    }

    /**
     * The packet in {@code bytes} (shared, not copied).
     *
     * @param bytes the packet's bytes
     * @return a view of them
     */
    public static Packet wrap(byte[] bytes) {
        return new Packet(ByteBuffer.wrap(bytes));
    }

    /**
     * {@code WinDivertHelperParsePacket} (docs/spec/helpers.md §3.3) at {@code offset} of {@code buf} with
     * {@code length} bytes available.
     *
     * @param buf the buffer holding the packet
     * @param offset absolute index of the packet's first byte
     * @param length the number of bytes available from {@code offset}
     * @return empty if the bytes are not an IP packet or the packet is truncated; otherwise the
     *     packet (exactly its IP length) and where the next packet of a batch starts
     */
    public static Optional<Parsed> parse(ByteBuffer buf, int offset, int length) {
        Optional<Decomposition> d = PacketParser.decompose(buf, offset, length);
        if (d.isEmpty() || d.get().truncated()) {
            return Optional.empty();
        }
        int own = d.get().headerLength() + d.get().payloadLength();
        Packet p = wrap(buf, offset, own);
        return Optional.of(d.get().extended()
                ? new Parsed(p, offset + own, length - own)
                : new Parsed(p, -1, 0));
    }

    /**
     * The result of {@link #parse}.
     *
     * @param packet the packet, exactly as long as its IP length
     * @param nextOffset absolute index of the bytes after it, or -1 if none follow
     * @param nextLength the number of bytes after it (0 if none)
     */
    public record Parsed(Packet packet, int nextOffset, int nextLength) {
    }

    /**
     * The packets of a batch packed back to back (as one RECV returns them), iterated with
     * {@link #parse} semantics from position to limit of {@code buf}: iteration ends after a packet
     * without following bytes, or at bytes that do not parse (their index is then
     * {@link Batch#unparsedOffset()}).
     *
     * @param buf the batch's bytes
     * @return the packets, each a view sharing {@code buf}
     */
    public static Batch batch(ByteBuffer buf) {
        List<Packet> packets = new ArrayList<>();
        int at = buf.position();
        int len = buf.remaining();
        while (len > 0) {
            Optional<Parsed> r = parse(buf, at, len);
            if (r.isEmpty()) {
                return new Batch(List.copyOf(packets), at, len);
            }
            packets.add(r.get().packet());
            at = r.get().nextOffset();
            len = r.get().nextLength();
        }
        return new Batch(List.copyOf(packets), -1, 0);
    }

    /**
     * The packets of a batch.
     *
     * @param packets the packets that parsed, in order
     * @param unparsedOffset absolute index of trailing bytes that did not parse, or -1
     * @param unparsedLength their number (0 if every byte belonged to a packet)
     */
    public record Batch(List<Packet> packets, int unparsedOffset, int unparsedLength) {
    }

    /**
     * {@return the packet's bytes} A buffer whose index 0 is the packet's first byte and whose limit is
     * {@link #length()}, sharing content with the packet (a new buffer object on every call).
     * After {@link #resizePayload} grew the packet beyond its original room this is a new
     * allocation, no longer shared with the buffer it was wrapped from.
     */
    public ByteBuffer buffer() {
        return data.duplicate();
    }

    /** {@return the number of bytes of the packet (including bytes after the IP length, if any)} */
    public int length() {
        return data.limit();
    }

    /** {@return a copy of the packet's bytes} */
    public byte[] toByteArray() {
        byte[] out = new byte[length()];
        data.get(0, out);
        return out;
    }

    /** Forgets the cached decomposition; needed only after writing to {@link #buffer()} directly. */
    public void refresh() {
        parsed = false;
        decomposition = null;
    }

    /** {@return where the headers are (docs/spec/helpers.md §3.1); empty if the bytes are not an IP packet} */
    public Optional<Decomposition> decomposition() {
        if (!parsed) {
            decomposition = PacketParser.decompose(data, 0, data.limit()).orElse(null);
            parsed = true;
        }
        return Optional.ofNullable(decomposition);
    }

    /** {@return true if the bytes decompose as an IPv4 or IPv6 packet (possibly truncated or padded)} */
    public boolean isIp() {
        return decomposition().isPresent();
    }

    /**
     * {@return the IPv4 header, present when at least 20 bytes with version nibble 4 are there}
     * Even if the header is otherwise malformed (so it can be repaired; see {@link #validate()}).
     */
    public Optional<Ipv4Header> ipv4() {
        return length() >= Ipv4Header.MIN_LENGTH && version() == 4
                ? Optional.of(new Ipv4Header(data, 0, onWrite)) : Optional.empty();
    }

    /** {@return the IPv6 header, present when at least 40 bytes with version nibble 6 are there} */
    public Optional<Ipv6Header> ipv6() {
        return length() >= Ipv6Header.LENGTH && version() == 6
                ? Optional.of(new Ipv6Header(data, 0, onWrite)) : Optional.empty();
    }

    /**
     * {@return the IPv6 extension headers the decomposition consumed, in order (empty for IPv4)} A header
     * that does not fit in the packet is not consumed and not listed (see {@link #validate()}).
     */
    public List<Ipv6ExtensionHeader> ipv6ExtensionHeaders() {
        Optional<Decomposition> d = decomposition();
        if (d.isEmpty() || !d.get().isIpv6()) {
            return List.of();
        }
        int end = d.get().transport() == Transport.NONE ? d.get().payloadOffset() : d.get().transportOffset();
        List<Ipv6ExtensionHeader> list = new ArrayList<>();
        int type = PacketParser.u8(data, 6);
        for (int at = Ipv6Header.LENGTH; at < end; ) {
            Ipv6ExtensionHeader h = new Ipv6ExtensionHeader(data, at, type, onWrite);
            list.add(h);
            type = h.nextHeader();
            at += h.length();
        }
        return list;
    }

    /** {@return the IPv6 fragment header the decomposition recorded, if any} */
    public Optional<Ipv6FragmentHeader> ipv6Fragment() {
        for (Ipv6ExtensionHeader h : ipv6ExtensionHeaders()) {
            if (h.type() == PacketParser.PROTO_FRAGMENT) {
                return Optional.of(new Ipv6FragmentHeader(data, h.offset(), onWrite));
            }
        }
        return Optional.empty();
    }

    /** {@return the ICMP header (IPv4 only), if the decomposition found one} */
    public Optional<IcmpHeader> icmp() {
        return transportAt(Transport.ICMP).map(t -> new IcmpHeader(data, t, onWrite));
    }

    /** {@return the ICMPv6 header (IPv6 only), if the decomposition found one} */
    public Optional<Icmpv6Header> icmpv6() {
        return transportAt(Transport.ICMPV6).map(t -> new Icmpv6Header(data, t, onWrite));
    }

    /** {@return the TCP header, if the decomposition found one (at least 20 bytes, data offset ≥ 5)} */
    public Optional<TcpHeader> tcp() {
        return transportAt(Transport.TCP).map(t -> new TcpHeader(data, t, onWrite));
    }

    /** {@return the UDP header, if the decomposition found one} */
    public Optional<UdpHeader> udp() {
        return transportAt(Transport.UDP).map(t -> new UdpHeader(data, t, onWrite));
    }

    private Optional<Integer> transportAt(Transport t) {
        Optional<Decomposition> d = decomposition();
        return d.isPresent() && d.get().transport() == t ? Optional.of(d.get().transportOffset()) : Optional.empty();
    }

    /**
     * The source address: an {@link Inet4Address} for IPv4, an {@link Inet6Address} for IPv6.
     *
     * @return empty if the packet has neither an IPv4 nor an IPv6 header
     */
    public Optional<InetAddress> srcAddr() {
        return address(true);
    }

    /**
     * The destination address: an {@link Inet4Address} for IPv4, an {@link Inet6Address} for IPv6.
     *
     * @return empty if the packet has neither an IPv4 nor an IPv6 header
     */
    public Optional<InetAddress> dstAddr() {
        return address(false);
    }

    /**
     * Sets the source address. Checksums are not updated (see {@link #recalculateChecksums(int)}).
     *
     * @param addr an {@link Inet4Address} for an IPv4 packet, an {@link Inet6Address} for IPv6
     * @throws IllegalArgumentException if the address family is not the packet's
     * @throws IllegalStateException if the packet has neither an IPv4 nor an IPv6 header
     */
    public void setSrcAddr(InetAddress addr) {
        setAddress(addr, true);
    }

    /**
     * Sets the destination address. Checksums are not updated (see {@link #recalculateChecksums(int)}).
     *
     * @param addr an {@link Inet4Address} for an IPv4 packet, an {@link Inet6Address} for IPv6
     * @throws IllegalArgumentException if the address family is not the packet's
     * @throws IllegalStateException if the packet has neither an IPv4 nor an IPv6 header
     */
    public void setDstAddr(InetAddress addr) {
        setAddress(addr, false);
    }

    private Optional<InetAddress> address(boolean src) {
        Optional<Ipv4Header> v4 = ipv4();
        if (v4.isPresent()) {
            return Optional.of(IpAddresses.toInetAddress(src ? v4.get().srcAddr() : v4.get().dstAddr()));
        }
        return ipv6().map(h -> IpAddresses.toInetAddress(src ? h.srcAddr() : h.dstAddr()));
    }

    private void setAddress(InetAddress addr, boolean src) {
        Objects.requireNonNull(addr, "addr");
        String which = src ? "source" : "destination";
        Optional<Ipv4Header> v4 = ipv4();
        if (v4.isPresent()) {
            if (!(addr instanceof Inet4Address a)) {
                throw new IllegalArgumentException("cannot set IPv6 address " + addr.getHostAddress()
                        + " as the " + which + " of an IPv4 packet");
            }
            int value = IpAddresses.toIpv4(a);
            if (src) {
                v4.get().setSrcAddr(value);
            } else {
                v4.get().setDstAddr(value);
            }
            return;
        }
        Ipv6Header v6 = ipv6().orElseThrow(() -> new IllegalStateException(
                "cannot set the " + which + " address: not an IPv4 or IPv6 packet: " + validate()));
        if (!(addr instanceof Inet6Address)) {
            // InetAddress.getByName("::ffff:a.b.c.d") yields an Inet4Address, hence the hint.
            throw new IllegalArgumentException("cannot set IPv4 address " + addr.getHostAddress() + " as the "
                    + which + " of an IPv6 packet (for an IPv4-mapped address use an Inet6Address)");
        }
        U128 value = IpAddresses.toU128(addr);
        if (src) {
            v6.setSrcAddr(value);
        } else {
            v6.setDstAddr(value);
        }
    }

    /**
     * The TCP or UDP source port.
     *
     * @return empty if the decomposition found neither a TCP nor a UDP header
     */
    public OptionalInt srcPort() {
        return port(true);
    }

    /**
     * The TCP or UDP destination port.
     *
     * @return empty if the decomposition found neither a TCP nor a UDP header
     */
    public OptionalInt dstPort() {
        return port(false);
    }

    /**
     * Sets the TCP or UDP source port. Checksums are not updated.
     *
     * @param port 0 … 65535
     * @throws IllegalArgumentException if {@code port} is out of range
     * @throws IllegalStateException if the packet has neither a TCP nor a UDP header
     */
    public void setSrcPort(int port) {
        setPort(port, true);
    }

    /**
     * Sets the TCP or UDP destination port. Checksums are not updated.
     *
     * @param port 0 … 65535
     * @throws IllegalArgumentException if {@code port} is out of range
     * @throws IllegalStateException if the packet has neither a TCP nor a UDP header
     */
    public void setDstPort(int port) {
        setPort(port, false);
    }

    private OptionalInt port(boolean src) {
        Optional<TcpHeader> t = tcp();
        if (t.isPresent()) {
            return OptionalInt.of(src ? t.get().srcPort() : t.get().dstPort());
        }
        Optional<UdpHeader> u = udp();
        return u.isPresent() ? OptionalInt.of(src ? u.get().srcPort() : u.get().dstPort()) : OptionalInt.empty();
    }

    private void setPort(int port, boolean src) {
        Optional<TcpHeader> t = tcp();
        Optional<UdpHeader> u = udp();
        if (t.isPresent()) {
            if (src) {
                t.get().setSrcPort(port);
            } else {
                t.get().setDstPort(port);
            }
        } else if (u.isPresent()) {
            if (src) {
                u.get().setSrcPort(port);
            } else {
                u.get().setDstPort(port);
            }
        } else {
            throw new IllegalStateException("cannot set the " + (src ? "source" : "destination")
                    + " port: no TCP or UDP header (" + decomposition().map(Decomposition::transport)
                    .map(Transport::toString).orElse("not IP") + ")");
        }
    }

    /**
     * The ICMP or ICMPv6 type.
     *
     * @return empty if the decomposition found neither an ICMP nor an ICMPv6 header
     */
    public OptionalInt icmpType() {
        return icmpMessage().map(m -> OptionalInt.of(m.type())).orElse(OptionalInt.empty());
    }

    /**
     * The ICMP or ICMPv6 code.
     *
     * @return empty if the decomposition found neither an ICMP nor an ICMPv6 header
     */
    public OptionalInt icmpCode() {
        return icmpMessage().map(m -> OptionalInt.of(m.code())).orElse(OptionalInt.empty());
    }

    /**
     * Sets the ICMP or ICMPv6 type. Checksums are not updated.
     *
     * @param type 0 … 255
     * @throws IllegalArgumentException if {@code type} is out of range
     * @throws IllegalStateException if the packet has neither an ICMP nor an ICMPv6 header
     */
    public void setIcmpType(int type) {
        requireIcmp("type").setType(type);
    }

    /**
     * Sets the ICMP or ICMPv6 code. Checksums are not updated.
     *
     * @param code 0 … 255
     * @throws IllegalArgumentException if {@code code} is out of range
     * @throws IllegalStateException if the packet has neither an ICMP nor an ICMPv6 header
     */
    public void setIcmpCode(int code) {
        requireIcmp("code").setCode(code);
    }

    private Optional<IcmpMessage> icmpMessage() {
        return icmp().<IcmpMessage>map(h -> h).or(this::icmpv6);
    }

    private IcmpMessage requireIcmp(String field) {
        return icmpMessage().orElseThrow(() -> new IllegalStateException("cannot set the ICMP " + field
                + ": no ICMP or ICMPv6 header (" + decomposition().map(Decomposition::transport)
                .map(Transport::toString).orElse("not IP") + ")"));
    }

    /**
     * {@return the payload: the bytes after the last header, up to the IP length (or the end of the
     * bytes, if truncated), as a slice sharing the packet} Empty if the packet is not IP.
     */
    public ByteBuffer payload() {
        Optional<Decomposition> d = decomposition();
        return d.isEmpty() ? data.slice(0, 0) : data.slice(d.get().payloadOffset(), d.get().payloadLength());
    }

    /** {@return the payload length (0 if the packet is not IP)} */
    public int payloadLength() {
        return decomposition().map(Decomposition::payloadLength).orElse(0);
    }

    /**
     * {@return what is wrong with the packet, one sentence per problem; empty if it is a well-formed IPv4
     * or IPv6 packet whose headers all decode} Checksums are not checked here (see
     * {@link #checksumsValid()}).
     */
    public List<String> validate() {
        return Validator.problems(data, decomposition());
    }

    /**
     * {@code WinDivertHelperCalcChecksums} (docs/spec/helpers.md §4): recomputes and stores the IPv4 header
     * checksum and the ICMP/ICMPv6/TCP/UDP checksum, except those named in {@code flags}
     * ({@link Checksums#NO_IP_CHECKSUM} …). The transport checksum of a fragment that does not
     * hold its whole datagram (MF set or a non-zero offset) and of a truncated packet is not
     * computed; if the packet carries that transport header the result is not ok. A computed UDP
     * checksum of 0 is stored as 0xFFFF. Bytes after the IP length are ignored.
     *
     * @param flags the {@code Checksums.NO_*_CHECKSUM} bits of the checksums to skip (0: none)
     * @return which checksums were computed, and whether every one that was due could be
     * @throws IllegalArgumentException if {@code flags} has undefined bits
     * @see #recalculateChecksums(Set)
     */
    public ChecksumResult recalculateChecksums(int flags) {
        Optional<Decomposition> d = decomposition();
        Checksums.checkFlags(flags);
        if (d.isEmpty()) {
            return new ChecksumResult(false, false, false, false);
        }
        return Checksums.run(data, d.get(), flags, false);
    }

    /**
     * {@link #recalculateChecksums(int)} with the flags of {@code skip}: every checksum except
     * those named, for example {@code recalculateChecksums(EnumSet.of(ChecksumOption.NO_UDP))}.
     *
     * @param skip the checksums to leave alone
     * @return as for {@link #recalculateChecksums(int)}
     * @throws NullPointerException if {@code skip} or an element is null
     */
    public ChecksumResult recalculateChecksums(Set<ChecksumOption> skip) {
        return recalculateChecksums(ChecksumOption.flags(skip));
    }

    /**
     * {@link #recalculateChecksums(int)} with the flags of {@code skip}; with no argument every
     * checksum is recomputed.
     *
     * @param skip the checksums to leave alone
     * @return as for {@link #recalculateChecksums(int)}
     * @throws NullPointerException if {@code skip} or an element is null
     */
    public ChecksumResult recalculateChecksums(ChecksumOption... skip) {
        return recalculateChecksums(ChecksumOption.flags(Arrays.asList(skip)));
    }

    /**
     * {@return true if {@link #recalculateChecksums(int) recalculateChecksums(0)} would succeed and change
     * no byte: every checksum WinDivert computes is present and correct} False for non-IP packets,
     * fragments and truncated packets that carry a transport header, and for an IPv4 UDP checksum
     * of 0 ("no checksum"), which recalculation would fill in.
     */
    public boolean checksumsValid() {
        return decomposition().map(d -> Checksums.run(data, d, 0, true).ok()).orElse(false);
    }

    /**
     * {@code WinDivertHelperDecrementTTL} (docs/spec/helpers.md §5): decrements the IPv4 TTL with the
     * incremental checksum update of the reference, or the IPv6 hop limit.
     *
     * @return false (packet unchanged) if the packet is shorter than 20 bytes (40 for IPv6), the
     *     TTL/hop limit is ≤ 1, or the version is neither 4 nor 6
     */
    public boolean decrementTtl() {
        if (length() < 20) {
            return false;
        }
        int v = version();
        if (v == 4) {
            int ttl = PacketParser.u8(data, 8);
            if (ttl <= 1) {
                return false;
            }
            data.put(8, (byte) (ttl - 1));
            // The reference adds 1 to the checksum read as a little-endian word, with this
            // wrap-around (docs/spec/helpers.md §5); the stored bytes must match it exactly.
            int c = PacketParser.u8(data, 10) | PacketParser.u8(data, 11) << 8;
            c = c >= 0xFFFE ? c - 0xFFFE : c + 1;
            data.put(10, (byte) c);
            data.put(11, (byte) (c >>> 8));
        } else if (v == 6) {
            if (length() < 40 || PacketParser.u8(data, 7) <= 1) {
                return false;
            }
            data.put(7, (byte) (PacketParser.u8(data, 7) - 1));
        } else {
            return false;
        }
        refresh();
        return true;
    }

    /**
     * {@code WinDivertHelperHashPacket} (docs/spec/helpers.md §7).
     *
     * @param seed the hash seed
     * @return the packet's hash, 0 if it is not IP or is truncated
     */
    public long hash(long seed) {
        return PacketHash.hashPacket(data, 0, length(), seed);
    }

    /**
     * Replaces the payload with the remaining bytes of {@code src} (its position is not changed),
     * growing or shrinking the packet, fixes the length fields as {@link #resizePayload(int)}
     * does, and recomputes the checksums with {@link #recalculateChecksums(ChecksumOption...)
     * recalculateChecksums(skip)}: with no {@code skip} the packet is ready to send.
     *
     * <p>What the result says: {@code ok} and the bits of {@link ChecksumResult}, as for
     * {@code recalculateChecksums}. For a fragment that does not hold its whole datagram (IPv4
     * MF or fragment offset, or an IPv6 fragment header with M or an offset) the transport
     * checksum cannot be computed, since it covers bytes that are not in this packet: the IPv4
     * header checksum is still fixed, the transport checksum bytes are left as they were, the
     * UDP length too, and a first fragment (the one that carries the transport header) gets
     * {@code ok} false. A later fragment has no transport header, so its result is ok.
     *
     * <p>To make several changes and compute the checksums once, pass every option
     * ({@code ChecksumOption.values()}: lengths only), or use {@link #resizePayload(int)} and
     * write into {@link #payload()}, then call {@link #recalculateChecksums(ChecksumOption...)}.
     *
     * @param src the new payload, from its position to its limit; it may be a part of this
     *     packet's current payload (to cut bytes off its front, for example)
     * @param skip the checksums to leave alone
     * @return what the checksum recalculation did
     * @throws IllegalStateException if the packet is not IP or is truncated (nothing is changed)
     * @throws IllegalArgumentException if the new IP length would exceed 65535 (nothing is changed)
     */
    public ChecksumResult setPayload(ByteBuffer src, ChecksumOption... skip) {
        int flags = ChecksumOption.flags(Arrays.asList(skip));
        int n = src.remaining();
        int at = resizePayload(n);
        data.put(at, src, src.position(), n);
        refresh();
        return recalculateChecksums(flags);
    }

    /**
     * {@link #setPayload(ByteBuffer, ChecksumOption...)} with the bytes of {@code src}.
     *
     * @param src the new payload
     * @param skip the checksums to leave alone
     * @return what the checksum recalculation did
     */
    public ChecksumResult setPayload(byte[] src, ChecksumOption... skip) {
        return setPayload(ByteBuffer.wrap(src), skip);
    }

    /**
     * Resizes the payload to {@code newLength} bytes, keeping its first bytes and zero-filling
     * growth, and fixes the IPv4 total length or IPv6 payload length and — unless the packet is a
     * fragment without its whole datagram — the UDP length. Bytes after the IP length are
     * dropped. Only lengths change: no checksum is updated, so that several modifications can
     * share one {@link #recalculateChecksums(ChecksumOption...)} afterwards
     * ({@link #setPayload(ByteBuffer, ChecksumOption...)} does both). If the packet outgrows the
     * room it was wrapped in, it moves to a new buffer of the same kind (heap or direct).
     *
     * @param newLength the payload length wanted, in bytes
     * @return the index of the payload's first byte
     * @throws IllegalStateException if the packet is not IP or is truncated
     * @throws IllegalArgumentException if the new IP length would exceed 65535
     */
    public int resizePayload(int newLength) {
        Decomposition d = decomposition().orElseThrow(
                () -> new IllegalStateException("not an IPv4 or IPv6 packet: " + validate()));
        if (d.truncated()) {
            throw new IllegalStateException("the packet is truncated: " + validate());
        }
        int hdr = d.headerLength();
        int newTotal = hdr + newLength;
        int ipField = d.isIpv4() ? newTotal : newTotal - Ipv6Header.LENGTH;
        if (newLength < 0 || ipField > 0xFFFF) {
            throw new IllegalArgumentException("payload length " + newLength + " gives an IP length beyond 65535");
        }
        int keep = Math.min(d.payloadLength(), newLength);
        if (newTotal > data.capacity()) {
            ByteBuffer bigger = data.isDirect() ? ByteBuffer.allocateDirect(newTotal) : ByteBuffer.allocate(newTotal);
            bigger.put(0, data, 0, hdr + keep);
            data = bigger;
        }
        data.limit(newTotal);
        for (int i = hdr + keep; i < newTotal; i++) {
            data.put(i, (byte) 0);
        }
        data.put(d.isIpv4() ? 2 : 4, (byte) (ipField >>> 8));
        data.put(d.isIpv4() ? 3 : 5, (byte) ipField);
        if (d.transport() == Transport.UDP && !d.partialDatagram()) {
            int udpLength = UdpHeader.LENGTH + newLength;
            data.put(d.transportOffset() + 4, (byte) (udpLength >>> 8));
            data.put(d.transportOffset() + 5, (byte) udpLength);
        }
        refresh();
        return hdr;
    }

    private int version() {
        return PacketParser.u8(data, 0) >>> 4;
    }

    /** {@return the packet's bytes as lower-case hex} */
    public String toHex() {
        return Hex.encode(toByteArray());
    }

    /**
     * A one-line summary that reads like tcpdump's, for example
     * {@code IP 10.0.0.1.1234 > 10.0.0.2.80: Flags [S.], seq 1, ack 2, win 64240, length 0},
     * {@code IP6 ::1.53 > ::1.4000: UDP, length 5} or
     * {@code IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1, seq 1, length 64}; a packet that is
     * not IP shows its bytes as hex.
     */
    @Override
    public String toString() {
        return TcpdumpFormat.format(this);
    }
}
