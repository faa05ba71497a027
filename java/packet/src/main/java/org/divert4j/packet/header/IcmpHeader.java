package org.divert4j.packet.header;

import java.nio.ByteBuffer;

/** The ICMP (IPv4) header. */
public final class IcmpHeader extends IcmpMessage {
    /**
     * A view of the ICMP header at absolute index {@code offset} of {@code buf}.
     *
     * @param buf the buffer the header lives in
     * @param offset absolute index of the header's first byte in {@code buf}
     * @param onWrite run after every write (may be null)
     */
    public IcmpHeader(ByteBuffer buf, int offset, Runnable onWrite) {
        super(buf, offset, onWrite);
    }
}
