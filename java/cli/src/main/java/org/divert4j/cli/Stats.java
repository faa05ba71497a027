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
    /** Values kept per transport protocol: packets, bytes, largest packet. */
    private static final int PER = 3;
    /** Per transport protocol (index: {@link Transport#ordinal()}; NONE is "other"), PER values each. */
    private final AtomicLongArray perProtocol = new AtomicLongArray(PER * Transport.values().length);

    /** Counts a packet or event; network-layer packets also under their transport protocol. */
    void packet(DivertPacket p) {
        packets.incrementAndGet();
        bytes.addAndGet(p.length());
        if (!(p.address().data() instanceof LayerData.Network)) {
            return;
        }
        Transport t = PacketParser.decompose(ByteBuffer.wrap(p.data(), 0, p.length()))
                .map(d -> d.transport()).orElse(Transport.NONE);
        perProtocol.incrementAndGet(PER * t.ordinal());
        perProtocol.addAndGet(PER * t.ordinal() + 1, p.length());
        perProtocol.accumulateAndGet(PER * t.ordinal() + 2, p.length(), Math::max);
    }

    /**
     * The summary printed on exit: one line of totals, then one indented line per protocol seen
     * (network layers only) with its largest packet, e.g. {@code   tcp: 5 packets, 200 bytes, largest 40}
     * (above the MTU: the handle saw GSO super-packets whole).
     */
    String summary(String command) {
        StringBuilder s = new StringBuilder(String.format("divert4j %s: %d packets, %d bytes, %d drops, %d injected",
                command, packets.get(), bytes.get(), drops.get(), injected.get()));
        for (Transport t : Transport.values()) {
            long n = perProtocol.get(PER * t.ordinal());
            if (n > 0) {
                s.append(String.format("%n  %s: %d packets, %d bytes, largest %d",
                        t == Transport.NONE ? "other" : t.name().toLowerCase(Locale.ROOT), n,
                        perProtocol.get(PER * t.ordinal() + 1), perProtocol.get(PER * t.ordinal() + 2)));
            }
        }
        return s.toString();
    }
}
