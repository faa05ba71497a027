package org.divert4j.cli;

import java.util.concurrent.atomic.AtomicLong;

/** Counters a handle command reports when it stops; shared by its worker threads. */
final class Stats {
    final AtomicLong packets = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong drops = new AtomicLong();
    final AtomicLong injected = new AtomicLong();

    void packet(int length) {
        packets.incrementAndGet();
        bytes.addAndGet(length);
    }

    String summary(String command) {
        return String.format("divert4j %s: %d packets, %d bytes, %d drops, %d injected",
                command, packets.get(), bytes.get(), drops.get(), injected.get());
    }
}
