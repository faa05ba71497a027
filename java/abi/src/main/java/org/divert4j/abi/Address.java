package org.divert4j.abi;

/**
 * The 80-byte address record that accompanies every packet or event (docs/spec/device-abi.md §7):
 * common flags plus layer-specific data. Immutable.
 *
 * @param timestamp performance-counter time of capture (signed 64-bit)
 * @param layer the handle's layer
 * @param event the event (0 … 9)
 * @param sniffed the packet was copied, not diverted
 * @param outbound outbound packet or event
 * @param loopback loopback packet or event
 * @param impostor injected by another driver; on send: decrement TTL
 * @param ipv6 IPv6 packet or event
 * @param ipChecksum the IPv4 header checksum is valid (send: do not recompute)
 * @param tcpChecksum the TCP checksum is valid (send: do not recompute)
 * @param udpChecksum the UDP checksum is valid (send: do not recompute)
 * @param data the layer-specific data
 */
public record Address(long timestamp, Layer layer, int event, boolean sniffed, boolean outbound,
        boolean loopback, boolean impostor, boolean ipv6, boolean ipChecksum, boolean tcpChecksum,
        boolean udpChecksum, LayerData data) {

    /** Checks that the data variant fits the layer and the event is in range. */
    public Address {
        if (layer == null || data == null) {
            throw new NullPointerException("layer and data must not be null");
        }
        if (event < 0 || event > 255) {
            throw new IllegalArgumentException("event is 8-bit: " + event);
        }
        boolean fits = switch (layer) {
            case NETWORK, NETWORK_FORWARD -> data instanceof LayerData.Network;
            case FLOW, SOCKET -> data instanceof LayerData.Endpoint;
            case REFLECT -> data instanceof LayerData.Reflect;
        };
        if (!fits) {
            throw new IllegalArgumentException(data.getClass().getSimpleName()
                    + " data does not belong to layer " + layer);
        }
    }

    /** A NETWORK-layer packet address with the given direction, everything else zero. */
    public static Address network(boolean outbound, boolean ipv6) {
        return new Address(0, Layer.NETWORK, Event.NETWORK_PACKET.value(), false, outbound, false,
                false, ipv6, false, false, false, LayerData.Network.NONE);
    }

    /** The network data; throws if this is not a NETWORK or NETWORK_FORWARD address. */
    public LayerData.Network network() {
        if (data instanceof LayerData.Network n) {
            return n;
        }
        throw new IllegalStateException("not a network-layer address: " + layer);
    }

    /** The endpoint data; throws if this is not a FLOW or SOCKET address. */
    public LayerData.Endpoint endpoint() {
        if (data instanceof LayerData.Endpoint e) {
            return e;
        }
        throw new IllegalStateException("not a FLOW or SOCKET address: " + layer);
    }

    /** The reflect data; throws if this is not a REFLECT address. */
    public LayerData.Reflect reflect() {
        if (data instanceof LayerData.Reflect r) {
            return r;
        }
        throw new IllegalStateException("not a REFLECT address: " + layer);
    }
}
