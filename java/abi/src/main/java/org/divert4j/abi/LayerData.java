package org.divert4j.abi;

/** The layer-specific part of an address record (offsets 16–79 of the 80-byte record). */
public sealed interface LayerData permits LayerData.Network, LayerData.Endpoint, LayerData.Reflect {

    /**
     * NETWORK and NETWORK_FORWARD: the interface a packet arrived on or leaves by.
     *
     * @param ifIdx interface index (u32)
     * @param subIfIdx sub-interface index (u32)
     */
    record Network(int ifIdx, int subIfIdx) implements LayerData {
        /** Interface 0, sub-interface 0. */
        public static final Network NONE = new Network(0, 0);
    }

    /**
     * FLOW and SOCKET: the endpoint, process and 5-tuple (the two layers share this layout).
     *
     * @param endpointId endpoint handle (u64)
     * @param parentEndpointId parent endpoint handle (u64)
     * @param processId process id (u32)
     * @param localAddr local address (IPv4 stored IPv4-mapped)
     * @param remoteAddr remote address
     * @param localPort local port (u16)
     * @param remotePort remote port (u16)
     * @param protocol IP protocol number (u8)
     */
    record Endpoint(long endpointId, long parentEndpointId, int processId, U128 localAddr,
            U128 remoteAddr, int localPort, int remotePort, int protocol) implements LayerData {
        /** All zero. */
        public static final Endpoint NONE = new Endpoint(0, 0, 0, U128.ZERO, U128.ZERO, 0, 0, 0);

        /** Checks the ranges of the narrow fields. */
        public Endpoint {
            if (localAddr == null || remoteAddr == null) {
                throw new NullPointerException("addresses must not be null (use U128.ZERO)");
            }
            if ((localPort & ~0xFFFF) != 0 || (remotePort & ~0xFFFF) != 0) {
                throw new IllegalArgumentException("ports are 16-bit: " + localPort + ", " + remotePort);
            }
            if ((protocol & ~0xFF) != 0) {
                throw new IllegalArgumentException("protocol is 8-bit: " + protocol);
            }
        }
    }

    /**
     * REFLECT: the handle an event reports.
     *
     * @param timestamp when the reported handle was opened (performance counter)
     * @param processId process that opened it (u32)
     * @param layer its layer
     * @param flags its open flags
     * @param priority its user priority (−30000 … 30000)
     */
    record Reflect(long timestamp, int processId, Layer layer, long flags, short priority)
            implements LayerData {
        /** Checks the layer is present. */
        public Reflect {
            if (layer == null) {
                throw new NullPointerException("layer");
            }
        }
    }
}
