package org.divert4j.api;

import java.nio.ByteBuffer;
import java.util.Objects;
import org.divert4j.abi.Address;
import org.divert4j.packet.Packet;

/**
 * A packet (or event) with its address record. For the NETWORK layers the bytes are the whole
 * IP packet; FLOW and SOCKET events carry no data; REFLECT events carry the reported handle's
 * filter as an object string with its terminating NUL.
 *
 * <p>The bytes belong to this value: received packets get a fresh copy, so they may be modified
 * and sent back. Modify them through {@link #packet()}, the packet's own view: it may grow or
 * shrink the packet, and {@link DivertHandle#send(DivertPacket, DivertHandle.SendOption...)}
 * always sends what the view holds. A view made separately ({@code Packet.wrap(p.data())})
 * writes through to the array only until it grows the packet, when it moves to a buffer of its
 * own that this packet cannot see.
 *
 * <p>Not thread-safe.
 */
public final class DivertPacket {
    private byte[] data;
    private final Address address;
    private Packet view;

    /**
     * A packet to send, or one received.
     *
     * @param data the packet bytes (owned by the new value, not copied)
     * @param address the address record
     */
    public DivertPacket(byte[] data, Address address) {
        this.data = Objects.requireNonNull(data, "data");
        this.address = Objects.requireNonNull(address, "address");
    }

    /**
     * The packet's view, the same object on every call, sharing the bytes of {@link #data()}
     * until it resizes them.
     *
     * @return the view
     */
    public Packet packet() {
        if (view == null) {
            view = Packet.wrap(data);
        }
        return view;
    }

    /**
     * The array that holds the packet's current bytes, exactly: the one given or received, or,
     * after {@link #packet()} grew the packet, the view's new array.
     *
     * @return the bytes (shared, not copied)
     * @throws IllegalStateException after the view shrank the packet inside its array, which then
     *     no longer holds exactly the packet: read it with {@code packet().toByteArray()}
     */
    public byte[] data() {
        if (view != null) {
            ByteBuffer b = view.buffer();
            if (!b.hasArray() || b.arrayOffset() != 0 || b.array().length != b.limit()) {
                throw new IllegalStateException("the packet was resized through packet() to " + b.limit()
                        + " bytes inside a larger array; read it with packet().toByteArray() or packet().buffer()");
            }
            data = b.array();
        }
        return data;
    }

    /** {@return the address record} */
    public Address address() {
        return address;
    }

    /** {@return true if the address says the packet or event is outbound} */
    public boolean isOutbound() {
        return address.outbound();
    }

    /** {@return true if the address says the packet or event is inbound (not outbound)} */
    public boolean isInbound() {
        return !address.outbound();
    }

    /** {@return true if the address says the packet is loopback traffic} */
    public boolean isLoopback() {
        return address.loopback();
    }

    /** {@return true if the address says another driver injected the packet (an impostor)} */
    public boolean isImpostor() {
        return address.impostor();
    }

    /**
     * The interface the packet was captured on, from the address (NETWORK and NETWORK_FORWARD
     * layers only).
     *
     * @return the interface index (an unsigned 32-bit value)
     * @throws IllegalStateException if the address is not a network-layer address
     */
    public int interfaceIndex() {
        return address.network().ifIdx();
    }

    /**
     * The sub-interface the packet was captured on, from the address (network layers only).
     *
     * @return the sub-interface index (an unsigned 32-bit value)
     * @throws IllegalStateException if the address is not a network-layer address
     */
    public int subInterfaceIndex() {
        return address.network().subIfIdx();
    }

    /** {@return the packet's current length in bytes} */
    public int length() {
        return view != null ? view.length() : data.length;
    }

    /** The current bytes, index 0 to limit, for sending (shared). */
    ByteBuffer bytes() {
        return view != null ? view.buffer() : ByteBuffer.wrap(data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DivertPacket p && bytes().equals(p.bytes()) && address.equals(p.address);
    }

    @Override
    public int hashCode() {
        return 31 * bytes().hashCode() + address.hashCode();
    }

    @Override
    public String toString() {
        return "DivertPacket[" + length() + " bytes, " + address + "]";
    }
}
