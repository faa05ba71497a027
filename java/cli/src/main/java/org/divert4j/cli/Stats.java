package org.divert4j.cli;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.divert4j.abi.LayerData;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.PacketParser;
import org.divert4j.packet.Transport;

/** Counters a handle command reports when it stops; shared by its worker threads. */
final class Stats {
    final AtomicLong packets = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong drops = new AtomicLong();
    final AtomicLong injected = new AtomicLong();
    /** Per transport protocol (index: {@link Transport#ordinal()}; NONE is "other"): packets, then bytes. */
    private final AtomicLongArray perProtocol = new AtomicLongArray(2 * Transport.values().length);

    /** Counts a packet or event; network-layer packets also under their transport protocol. */
    void packet(DivertPacket p) {
        packets.incrementAndGet();
        bytes.addAndGet(p.length());
        if (!(p.address().data() instanceof LayerData.Network)) {
            return;
        }
        Transport t = PacketParser.decompose(ByteBuffer.wrap(p.data(), 0, p.length()))
                .map(d -> d.transport()).orElse(Transport.NONE);
        perProtocol.incrementAndGet(2 * t.ordinal());
        perProtocol.addAndGet(2 * t.ordinal() + 1, p.length());
    }

    /**
     * The summary printed on exit: one line of totals, then one indented line per protocol seen
     * (network layers only), e.g. {@code   tcp: 5 packets, 200 bytes}.
     */
    String summary(String command) {
        StringBuilder s = new StringBuilder(String.format("divert4j %s: %d packets, %d bytes, %d drops, %d injected",
                command, packets.get(), bytes.get(), drops.get(), injected.get()));
        for (Transport t : Transport.values()) {
            long n = perProtocol.get(2 * t.ordinal());
            if (n > 0) {
                s.append(String.format("%n  %s: %d packets, %d bytes",
                        t == Transport.NONE ? "other" : t.name().toLowerCase(Locale.ROOT), n,
                        perProtocol.get(2 * t.ordinal() + 1)));
            }
        }
        return s.toString();
    }
}
