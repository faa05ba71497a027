package org.divert4j.packet.header;

import java.nio.ByteBuffer;

/** The ICMPv6 header. */
public final class Icmpv6Header extends IcmpMessage {
    /**
     * A view of the ICMPv6 header at absolute index {@code offset} of {@code buf}.
     *
     * @param buf the buffer the header lives in
     * @param offset absolute index of the header's first byte in {@code buf}
     * @param onWrite run after every write (may be null)
     */
    public Icmpv6Header(ByteBuffer buf, int offset, Runnable onWrite) {
        super(buf, offset, onWrite);
    }
}
