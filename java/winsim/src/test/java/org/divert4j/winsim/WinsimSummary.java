package org.divert4j.winsim;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/** Counts the end-to-end tests and prints one summary line when the whole run ends. */
final class WinsimSummary implements TestWatcher, BeforeAllCallback {
    private static final AtomicInteger PASSED = new AtomicInteger();
    private static final AtomicInteger FAILED = new AtomicInteger();
    private static final AtomicInteger SKIPPED = new AtomicInteger();

    /** Closed by JUnit when the root context ends (the store closes AutoCloseable values). */
    private static final class Report implements AutoCloseable {
        @Override
        public void close() {
            System.out.printf("winsim java e2e: %d passed, %d failed%s%n", PASSED.get(), FAILED.get(),
                    SKIPPED.get() == 0 ? "" : ", " + SKIPPED.get() + " skipped");
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.create(WinsimSummary.class))
                .getOrComputeIfAbsent(Report.class, k -> new Report(), Report.class);
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        PASSED.incrementAndGet();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        FAILED.incrementAndGet();
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        SKIPPED.incrementAndGet();
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        SKIPPED.incrementAndGet();
    }
}
