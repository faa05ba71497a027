package org.divert4j.api.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.divert4j.abi.Abi;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.abi.U128;

/**
 * Converts {@link Address} values to and from the 80-byte address record of docs/spec/device-abi.md §7:
 * little-endian, a u32 bit-field word at offset 8 (layer, event, then the flag bits LSB first),
 * reserved words written as zero, and the layer-specific union at offset 16. Addresses in the
 * FLOW/SOCKET variant are four u32 words, word 0 least significant (IPv4 stored IPv4-mapped).
 */
public final class AddressCodec {
    private static final int SNIFFED = 1 << 16;
    private static final int OUTBOUND = 1 << 17;
    private static final int LOOPBACK = 1 << 18;
    private static final int IMPOSTOR = 1 << 19;
    private static final int IPV6 = 1 << 20;
    private static final int IP_CHECKSUM = 1 << 21;
    private static final int TCP_CHECKSUM = 1 << 22;
    private static final int UDP_CHECKSUM = 1 << 23;

    private AddressCodec() {
    }

    /**
     * Encodes an address.
     *
     * @param a the address
     * @return its 80-byte record
     */
    public static byte[] encode(Address a) {
        ByteBuffer b = ByteBuffer.allocate(Abi.ADDRESS_SIZE);
        encode(a, b);
        return b.array();
    }

    /**
     * Writes the 80-byte record of {@code a} at the buffer's position and advances it by 80.
     * Every byte of the record is written (unused union bytes and reserved fields as zero), so
     * a reused buffer never leaks a previous record.
     *
     * @param a the address
     * @param out the buffer, with at least 80 bytes remaining
     */
    public static void encode(Address a, ByteBuffer out) {
        ByteBuffer b = out.slice(out.position(), Abi.ADDRESS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int bits = a.layer().value() | a.event() << 8
                | (a.sniffed() ? SNIFFED : 0) | (a.outbound() ? OUTBOUND : 0)
                | (a.loopback() ? LOOPBACK : 0) | (a.impostor() ? IMPOSTOR : 0)
                | (a.ipv6() ? IPV6 : 0) | (a.ipChecksum() ? IP_CHECKSUM : 0)
                | (a.tcpChecksum() ? TCP_CHECKSUM : 0) | (a.udpChecksum() ? UDP_CHECKSUM : 0);
        b.putLong(a.timestamp()).putInt(bits).putInt(0);
        LayerData d = a.data();
        if (d instanceof LayerData.Network n) {
            b.putInt(n.ifIdx()).putInt(n.subIfIdx());
        } else if (d instanceof LayerData.Endpoint e) {
            b.putLong(e.endpointId()).putLong(e.parentEndpointId()).putInt(e.processId());
            putU128(b, e.localAddr());
            putU128(b, e.remoteAddr());
            b.putShort((short) e.localPort()).putShort((short) e.remotePort()).put((byte) e.protocol());
        } else if (d instanceof LayerData.Reflect r) {
            b.putLong(r.timestamp()).putInt(r.processId()).putInt(r.layer().value())
                    .putLong(r.flags()).putShort(r.priority());
        }
        while (b.hasRemaining()) {
            b.put((byte) 0);
        }
        out.position(out.position() + Abi.ADDRESS_SIZE);
    }

    /**
     * Reads the 80-byte record at the buffer's position and advances it by 80. Reserved bits are
     * ignored; the union is read as the variant the record's layer selects.
     *
     * @param in the buffer
     * @return the address
     * @throws IllegalArgumentException if the record's layer (or a REFLECT record's reported
     *     layer) is not 0…4, or fewer than 80 bytes remain
     */
    public static Address decode(ByteBuffer in) {
        if (in.remaining() < Abi.ADDRESS_SIZE) {
            throw new IllegalArgumentException("an address record needs 80 bytes, " + in.remaining() + " left");
        }
        ByteBuffer b = in.slice(in.position(), Abi.ADDRESS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        long timestamp = b.getLong();
        int bits = b.getInt();
        b.getInt();
        Layer layer = Layer.of(bits & 0xFF);
        LayerData data = switch (layer) {
            case NETWORK, NETWORK_FORWARD -> new LayerData.Network(b.getInt(), b.getInt());
            case FLOW, SOCKET -> new LayerData.Endpoint(b.getLong(), b.getLong(), b.getInt(),
                    getU128(b), getU128(b), b.getShort() & 0xFFFF, b.getShort() & 0xFFFF, b.get() & 0xFF);
            case REFLECT -> new LayerData.Reflect(b.getLong(), b.getInt(), Layer.of(b.getInt()),
                    b.getLong(), b.getShort());
        };
        in.position(in.position() + Abi.ADDRESS_SIZE);
        return new Address(timestamp, layer, (bits >>> 8) & 0xFF, (bits & SNIFFED) != 0,
                (bits & OUTBOUND) != 0, (bits & LOOPBACK) != 0, (bits & IMPOSTOR) != 0,
                (bits & IPV6) != 0, (bits & IP_CHECKSUM) != 0, (bits & TCP_CHECKSUM) != 0,
                (bits & UDP_CHECKSUM) != 0, data);
    }

    private static void putU128(ByteBuffer b, U128 v) {
        for (int i = 0; i < 4; i++) {
            b.putInt(v.word(i));
        }
    }

    private static U128 getU128(ByteBuffer b) {
        return U128.fromWords(b.getInt(), b.getInt(), b.getInt(), b.getInt());
    }
}
