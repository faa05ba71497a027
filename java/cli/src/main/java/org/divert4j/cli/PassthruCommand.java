package org.divert4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.divert4j.abi.Layer;
import org.divert4j.api.DivertException;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/** {@code divert4j passthru}: divert and reinject unchanged, in batches, on several threads. */
@Command(name = "passthru", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j passthru --batch 16 --threads 2 \"tcp\"",
        description = "Divert matching packets and reinject them unchanged (a throughput test of the divert path).")
final class PassthruCommand extends HandleCommand {
    @Option(names = "--layer", defaultValue = "NETWORK", paramLabel = "L",
            description = "NETWORK (default) or NETWORK_FORWARD")
    String layer;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "N", description = "packets per receive/send, 1..255")
    int batch;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "T", description = "worker threads, 1..64")
    int threads;

    @Parameters(paramLabel = "FILTER", defaultValue = "true", description = "filter (default: true)")
    String filter;

    @Override
    void validate() {
        HandleOptions.layer(spec, layer, Layer.NETWORK, Layer.NETWORK_FORWARD);
        if (batch < 1 || batch > 255) {
            throw new ParameterException(spec.commandLine(), "--batch must be in 1..255: " + batch);
        }
        if (threads < 1 || threads > 64) {
            throw new ParameterException(spec.commandLine(), "--threads must be in 1..64: " + threads);
        }
    }

    @Override
    DivertHandle open() {
        return handleOptions.builder(spec, filter, Layer.parse(layer)).open();
    }

    @Override
    void run(DivertHandle handle) throws InterruptedException {
        AtomicReference<DivertException> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> loop(handle, failure), "passthru-" + i);
            workers.add(t);
            t.start();
        }
        for (Thread t : workers) {
            t.join();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private void loop(DivertHandle handle, AtomicReference<DivertException> failure) {
        try {
            while (true) {
                List<DivertPacket> got = handle.recv(batch);
                for (DivertPacket p : got) {
                    stats.packet(p);
                }
                try {
                    // Unchanged packets: their checksums need no second pass.
                    stats.injected.addAndGet(handle.send(got, DivertHandle.SendOption.NO_RECOMPUTE) > 0 ? got.size() : 0);
                } catch (DivertException.HostUnreachableException e) {
                    stats.drops.incrementAndGet();
                }
            }
        } catch (DivertException.NoDataException | DivertException.AbortedException | IllegalStateException e) {
            // Shut down or closed: this worker is done.
        } catch (DivertException e) {
            failure.compareAndSet(null, e);
            handle.close();
        }
    }
}
