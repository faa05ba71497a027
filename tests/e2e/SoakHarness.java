import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.divert4j.abi.Layer;
import org.divert4j.abi.Param;
import org.divert4j.abi.Shutdown;
import org.divert4j.api.DivertException;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;

/**
 * Soak helper (run as a single-file program against the CLI jar, see tests/e2e/soak.sh).
 * <pre>
 *   relay FILTER THREADS COUNT SECONDS   THREADS threads receive and re-send on one handle (even
 *                                        ones in batches of 16, odd ones one packet at a time)
 *                                        until COUNT packets went through or SECONDS passed;
 *                                        prints "ready" once open, then
 *                                        the kernel's "nfqueue" lines of the namespace and
 *                                        "relayed N errors E per-thread a,b,..."
 *   handles FILTER COUNT ROUNDS          ROUNDS times: opens COUNT handles (all open together),
 *                                        then closes them; prints "round R fds F threads T
 *                                        rss_kib K" after each round (round 0: before the first)
 * </pre>
 * Bounds and verdicts are the script's: this program only counts.
 */
public final class SoakHarness {
    private static final int BATCH = 16;

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "relay" -> relay(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]), Long.parseLong(args[4]));
            case "handles" -> handles(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0] + " (relay or handles)");
        }
    }

    private static void relay(String filter, int threads, long count, long seconds)
            throws InterruptedException, IOException {
        AtomicLong relayed = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long[] perThread = new long[threads];
        try (DivertHandle h = DivertHandle.builder().filter(filter).layer(Layer.NETWORK).open()) {
            // The largest queue the ABI allows: a moment of the 2 shared cores spent elsewhere
            // must not turn into an expired packet, which the count would report as lost.
            h.setParam(Param.QUEUE_LENGTH, Param.QUEUE_LENGTH.max());
            h.setParam(Param.QUEUE_TIME, Param.QUEUE_TIME.max());
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread w = new Thread(() -> {
                    for (;;) {
                        List<DivertPacket> got;
                        try {
                            got = id % 2 == 0 ? h.recv(BATCH) : List.of(h.recv());
                        } catch (DivertException.NoDataException | DivertException.AbortedException end) {
                            return;
                        }
                        try {
                            if (got.size() == 1) {
                                h.send(got.get(0));
                            } else {
                                h.send(got);
                            }
                            perThread[id] += got.size();
                            relayed.addAndGet(got.size());
                        } catch (DivertException e) {
                            errors.incrementAndGet();
                            System.err.println("send: " + e.getMessage());
                        }
                    }
                }, "relay-" + t);
                w.start();
                workers.add(w);
            }
            System.out.println("ready");
            System.out.flush();
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            while (relayed.get() < count && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            // A packet handed out twice would show up as one relay too many: give it time to.
            Thread.sleep(500);
            // The kernel's counters of what it could not queue to us (queue full, socket
            // overflow), while our queue is still bound.
            for (String line : Files.readAllLines(Path.of("/proc/net/netfilter/nfnetlink_queue"))) {
                System.out.println("nfqueue " + line.trim());
            }
            h.shutdown(Shutdown.RECV);
            for (Thread w : workers) {
                w.join(5000);
            }
            StringBuilder split = new StringBuilder();
            for (int t = 0; t < threads; t++) {
                split.append(t == 0 ? "" : ",").append(perThread[t]);
            }
            System.out.println("relayed " + relayed.get() + " errors " + errors.get() + " per-thread " + split);
        }
    }

    private static void handles(String filter, int count, int rounds) throws IOException, InterruptedException {
        report(0);
        for (int r = 1; r <= rounds; r++) {
            List<DivertHandle> open = new ArrayList<>();
            try {
                for (int i = 0; i < count; i++) {
                    open.add(DivertHandle.builder().filter(filter).layer(Layer.NETWORK).open());
                }
            } finally {
                open.forEach(DivertHandle::close);
            }
            report(r);
        }
    }

    private static void report(int round) throws IOException, InterruptedException {
        // Direct buffers and JNA memory of closed handles are freed by cleaners after a
        // collection, and glibc keeps freed pages of its heaps mapped: without the collection
        // and the trim, RSS would show garbage not yet collected and the allocator's free
        // pages, which creep up with fragmentation over the rounds, rather than what is held.
        System.gc();
        Thread.sleep(200);
        LibC.INSTANCE.malloc_trim(0);
        long fds;
        try (Stream<Path> list = Files.list(Path.of("/proc/self/fd"))) {
            fds = list.count();
        }
        System.out.println("round " + round + " fds " + fds + " threads " + status("Threads:")
                + " rss_kib " + status("VmRSS:"));
        System.out.flush();
    }

    private interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int malloc_trim(long pad);
    }

    private static long status(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no " + key + " in /proc/self/status");
    }
}
