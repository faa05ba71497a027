package org.divert4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.divert4j.abi.Shutdown;
import org.divert4j.api.DivertException;
import org.divert4j.api.DivertHandle;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that opens one handle and runs a loop over it until the input ends or Ctrl-C: the
 * interrupt shuts the handle down for receiving, the loop drains and ends, the handle is closed
 * and the summary printed. Open failures (driver missing, not elevated, no transport on this
 * platform, bad filter) are exit status 1 with the library's message and remedy.
 */
abstract class HandleCommand implements Callable<Integer> {
    /** How long Ctrl-C waits for the loop to drain before closing the handle anyway. */
    private static final long DRAIN_SECONDS = 3;

    @Spec
    CommandSpec spec;

    @Mixin
    HandleOptions handleOptions;

    final Stats stats = new Stats();

    /** Checks the command's own arguments (usage errors are ParameterExceptions, exit 2). */
    abstract void validate();

    /** Opens the handle. */
    abstract DivertHandle open();

    /** The loop; returns when the handle is shut down or closed, or the work is done. */
    abstract void run(DivertHandle handle) throws Exception;

    /** The stream normal output goes to. */
    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Override
    public final Integer call() throws Exception {
        handleOptions.validate(spec);
        validate();
        DivertHandle handle;
        try {
            handle = open();
        } catch (DivertException e) {
            spec.commandLine().getErr().println("divert4j: " + e.getMessage());
            return Main.EXIT_INVALID_INPUT;
        }
        CountDownLatch finished = new CountDownLatch(1);
        Thread onInterrupt = new Thread(() -> {
            try {
                handle.shutdown(Shutdown.RECV);
                finished.await(DRAIN_SECONDS, TimeUnit.SECONDS);
            } catch (DivertException | IllegalStateException | InterruptedException e) {
                // Already closed or shutting down: closing below is all that is left.
            }
            handle.close();
        }, "divert4j-interrupt");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        int status = 0;
        try {
            run(handle);
        } catch (DivertException e) {
            if (!(e instanceof DivertException.AbortedException && handle.isClosed())) {
                spec.commandLine().getErr().println("divert4j: " + e.getMessage());
                status = Main.EXIT_INVALID_INPUT;
            }
        } finally {
            handle.close();
            out().flush();
            spec.commandLine().getErr().println(stats.summary(spec.name()));
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException e) {
                // The JVM is exiting because of the interrupt; the hook finishes on its own.
            }
        }
        return status;
    }

    /** Receives until shutdown/close, calling {@code body} for each packet. */
    static void forEach(DivertHandle handle, PacketBody body) throws Exception {
        for (var p : handle) {
            body.accept(p);
        }
    }

    /** Per-packet work. */
    interface PacketBody {
        void accept(org.divert4j.api.DivertPacket packet) throws Exception;
    }
}
