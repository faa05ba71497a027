package org.divert4j.api;

import java.util.Arrays;
import java.util.Objects;
import org.divert4j.abi.Address;

/**
 * A packet (or event) with its address record. For the NETWORK layers {@code data} is the whole
 * IP packet; FLOW and SOCKET events carry no data; REFLECT events carry the reported handle's
 * filter as an object string with its terminating NUL.
 *
 * <p>The array belongs to this value: received packets get a fresh copy, so it may be modified
 * and sent back.
 *
 * @param data the packet bytes
 * @param address the address record
 */
public record DivertPacket(byte[] data, Address address) {

    /**
     * Checks both parts are present.
     *
     * @param data the packet bytes
     * @param address the address record
     */
    public DivertPacket {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(address, "address");
    }

    /** {@return the packet length in bytes} */
    public int length() {
        return data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DivertPacket p && Arrays.equals(data, p.data) && address.equals(p.address);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(data) + address.hashCode();
    }

    @Override
    public String toString() {
        return "DivertPacket[" + data.length + " bytes, " + address + "]";
    }
}
