package org.divert4j.cli;

import java.io.PrintWriter;
import java.util.function.IntPredicate;

/**
 * A live count on a terminal: while it runs, one standard-error line shows how many packets
 * and bytes were counted and at what rate, redrawn every second; it is drawn once at the start
 * and wiped at the end (the summary follows). When standard error is not a terminal nothing is
 * written. Lines printed through {@link #println} wipe the count first if standard output is
 * the terminal too, so that they never land behind it.
 */
final class LiveCount implements AutoCloseable {
    /** Whether a file descriptor (1 or 2) is a terminal; tests substitute an answer. */
    static IntPredicate isTerminal = Platform::isTerminal;

    private static final String WIPE = "\r\033[K";
    private static final long PERIOD_MILLIS = 1000;

    private final String command;
    private final Stats stats;
    private final PrintWriter err;
    private final boolean sharedTerminal;
    private final Thread ticker;
    private boolean shown;
    private long lastPackets;
    private long lastBytes;
    private long lastNanos;

    private LiveCount(String command, Stats stats, PrintWriter err, boolean active) {
        this.command = command;
        this.stats = stats;
        this.err = err;
        this.sharedTerminal = active && isTerminal.test(1);
        this.ticker = active ? new Thread(this::tick, "divert4j-live-count") : null;
        this.lastNanos = System.nanoTime();
    }

    /** Starts the live count of {@code stats} on {@code err} if standard error is a terminal. */
    static LiveCount start(String command, Stats stats, PrintWriter err) {
        LiveCount live = new LiveCount(command, stats, err, isTerminal.test(2));
        if (live.ticker != null) {
            live.draw();
            live.ticker.setDaemon(true);
            live.ticker.start();
        }
        return live;
    }

    /** Prints a line on {@code out}, keeping it clear of the live count. */
    synchronized void println(PrintWriter out, String line) {
        if (shown && sharedTerminal) {
            err.print(WIPE);
            err.flush();
            shown = false;
        }
        out.println(line);
        if (sharedTerminal) {
            out.flush();
        }
    }

    private void tick() {
        try {
            while (true) {
                Thread.sleep(PERIOD_MILLIS);
                draw();
            }
        } catch (InterruptedException e) {
            // Closed: the count ends.
        }
    }

    private synchronized void draw() {
        long now = System.nanoTime();
        long packets = stats.packets.get();
        long bytes = stats.bytes.get();
        double seconds = Math.max(1e-9, (now - lastNanos) / 1e9);
        double packetRate = (packets - lastPackets) / seconds;
        double byteRate = (bytes - lastBytes) / seconds;
        lastPackets = packets;
        lastBytes = bytes;
        lastNanos = now;
        err.print(WIPE + String.format("divert4j %s: %d packets, %s (%.0f packets/s, %s/s)",
                command, packets, size(bytes), packetRate, size(byteRate)));
        err.flush();
        shown = true;
    }

    /** A byte count with a decimal unit: 999 B, 1.2 kB, 3.4 MB, 5.6 GB. */
    static String size(double bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        int u = 0;
        while (bytes >= 999.95 && u < units.length - 1) {
            bytes /= 1000;
            u++;
        }
        return u == 0 ? String.format("%.0f B", bytes) : String.format("%.1f %s", bytes, units[u]);
    }

    /** Stops redrawing and wipes the line. */
    @Override
    public void close() {
        if (ticker == null) {
            return;
        }
        ticker.interrupt();
        try {
            ticker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (shown) {
                err.print(WIPE);
                err.flush();
                shown = false;
            }
        }
    }
}
