package org.divert4j.api.codec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.divert4j.abi.Abi;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;

/**
 * Splits the data of a batched RECV (docs/spec/device-abi.md §8) into its packets. The driver returns the
 * packets back to back with one address record each; the packet boundaries come from each
 * packet's IP header (NETWORK layers), are empty (FLOW, SOCKET), or end after a NUL (REFLECT).
 */
public final class BatchFraming {
    private BatchFraming() {
    }

    /**
     * Splits a batch.
     *
     * @param <T> what a packet becomes
     * @param layer the handle's layer
     * @param data the data buffer, packets from index 0
     * @param bytes how many data bytes the driver returned
     * @param addresses the address records, from index 0
     * @param count how many address records the driver returned
     * @param packet makes a packet of its bytes (a fresh array) and its decoded address
     * @param malformed makes the exception thrown when the count or the lengths do not frame the
     *     data, from a detail message
     * @return the packets, in queue order
     */
    public static <T> List<T> split(Layer layer, ByteBuffer data, int bytes, ByteBuffer addresses, int count,
            BiFunction<byte[], Address, T> packet, Function<String, RuntimeException> malformed) {
        if (count < 1 || count > Abi.BATCH_MAX) {
            throw malformed.apply("the driver reported " + count + " addresses");
        }
        List<T> out = new ArrayList<>(count);
        addresses.clear();
        int offset = 0;
        for (int i = 0; i < count; i++) {
            Address a = AddressCodec.decode(addresses);
            int len = count == 1 && layer.isNetwork() ? bytes : packetLength(layer, data, offset, bytes);
            if (len < 0 || offset + len > bytes) {
                throw malformed.apply("packet " + i + " at offset " + offset + " does not fit the " + bytes
                        + " bytes received");
            }
            byte[] p = new byte[len];
            data.get(offset, p);
            out.add(packet.apply(p, a));
            offset += len;
        }
        return out;
    }

    /** The length of the packet at {@code offset}, or −1 if its header is cut off or invalid. */
    private static int packetLength(Layer layer, ByteBuffer data, int offset, int end) {
        switch (layer) {
            case FLOW, SOCKET:
                return 0;
            case REFLECT:
                for (int i = offset; i < end; i++) {
                    if (data.get(i) == 0) {
                        return i + 1 - offset;
                    }
                }
                return end - offset;
            default:
                return ipLength(data, offset, end - offset);
        }
    }

    /**
     * The length an IPv4/IPv6 header announces.
     *
     * @param data the buffer
     * @param offset where the header starts
     * @param available how many bytes from {@code offset} belong to the packet
     * @return the announced length, or −1 if the header is cut off or not IPv4/IPv6
     */
    public static int ipLength(ByteBuffer data, int offset, int available) {
        if (available < 1) {
            return -1;
        }
        int version = (data.get(offset) & 0xFF) >>> 4;
        if (version == 4 && available >= 20) {
            int len = (data.get(offset + 2) & 0xFF) << 8 | (data.get(offset + 3) & 0xFF);
            return len >= 20 ? len : -1;
        }
        if (version == 6 && available >= 40) {
            return ((data.get(offset + 4) & 0xFF) << 8 | (data.get(offset + 5) & 0xFF)) + 40;
        }
        return -1;
    }
}
