package org.divert4j.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.divert4j.api.DivertException;
import org.divert4j.api.DivertHandle;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that opens one handle and runs a loop over it until the input ends or Ctrl-C /
 * SIGTERM. A signal stops the loop through {@link DivertHandle#shutdownOnSignal(Duration)}: the
 * handle is shut down for receiving, the loop drains and ends, the handle is closed (its
 * netfilter rules removed) and the summary printed; the exit status is then the command's own
 * (0), not the JVM's 128 + signal. Open failures (driver missing, not elevated, no transport on
 * this platform, bad filter) are exit status 1 with the library's message and remedy.
 */
abstract class HandleCommand implements Callable<Integer> {
    /** How long a signal waits for the loop to drain before the handle is closed anyway. */
    private static final Duration DRAIN = Duration.ofSeconds(3);
    /** How much longer it waits for the summary after that, before the JVM exits regardless. */
    private static final long SUMMARY_SECONDS = 2;

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
        // Registered before the handle exists, so a signal at any point still ends with the
        // command's status once it has finished (see exitWhenFinished).
        CountDownLatch finished = new CountDownLatch(1);
        AtomicInteger status = new AtomicInteger(-1);
        Thread exit = new Thread(() -> exitWhenFinished(finished, status), "divert4j-exit");
        Runtime.getRuntime().addShutdownHook(exit);
        try {
            status.set(openAndRun());
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(exit);
            } catch (IllegalStateException e) {
                // The JVM is exiting because of a signal; the hook ends it with our status.
            }
        }
        return status.get();
    }

    private int openAndRun() throws Exception {
        DivertHandle handle;
        try {
            handle = open();
        } catch (DivertException e) {
            spec.commandLine().getErr().println("divert4j: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        int status = 0;
        try {
            handle.shutdownOnSignal(DRAIN);
            run(handle);
        } catch (IllegalStateException e) {
            if (!handle.isClosed()) {
                throw e;
            }
            // A signal came while the handle was being opened: it is closed, nothing to run.
        } catch (DivertException e) {
            if (!(e instanceof DivertException.AbortedException && handle.isClosed())) {
                spec.commandLine().getErr().println("divert4j: " + e.getMessage());
                status = ExitCodes.INVALID_INPUT;
            }
        } finally {
            handle.close();
            out().flush();
            spec.commandLine().getErr().println(stats.summary(spec.name()));
            spec.commandLine().getErr().flush();
        }
        return status;
    }

    /**
     * The shutdown hook's work on a signal: wait (bounded) until the command has finished, then
     * end the JVM with the command's status. The JVM would otherwise exit with 128 + signal,
     * although stopping on Ctrl-C is how these commands are meant to end.
     */
    private static void exitWhenFinished(CountDownLatch finished, AtomicInteger status) {
        try {
            // -1: the command failed with an exception, whose status the JVM's exit may as well carry.
            if (finished.await(DRAIN.toSeconds() + SUMMARY_SECONDS, TimeUnit.SECONDS) && status.get() >= 0) {
                Runtime.getRuntime().halt(status.get());
            }
        } catch (InterruptedException e) {
            // Give up waiting: the JVM exits with its own status.
        }
    }
}
