package org.divert4j.cli;

/**
 * The exit status of every {@code divert4j} command, in one place so that scripts can rely on
 * it: 0 success, {@link #INVALID_INPUT} for a bad filter, packet or file, {@link #USAGE} for a
 * command line picocli cannot parse.
 */
public final class ExitCodes {
    /** Exit status for invalid input. */
    public static final int INVALID_INPUT = 1;
    /** Exit status for usage errors. */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
