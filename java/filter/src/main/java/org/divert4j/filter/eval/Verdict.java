package org.divert4j.filter.eval;

/**
 * The result of evaluating a filter on one packet or event.
 *
 * @param outcome match, no match or error
 * @param message for {@link Outcome#ERROR}: why (one line); otherwise null
 */
public record Verdict(Outcome outcome, String message) {
    /** The filter matches. */
    public static final Verdict MATCH = new Verdict(Outcome.MATCH, null);
    /** The filter does not match. */
    public static final Verdict NOMATCH = new Verdict(Outcome.NOMATCH, null);

    /** Checks that exactly errors carry a message. */
    public Verdict {
        if (outcome == null || (outcome == Outcome.ERROR) != (message != null)) {
            throw new IllegalArgumentException("an error verdict needs a message, other verdicts none");
        }
    }

    /** An error with the given message (line breaks become spaces). */
    public static Verdict error(String message) {
        return new Verdict(Outcome.ERROR, message.replaceAll("\\s*\\R\\s*", " "));
    }

    /** Match or no match. */
    public static Verdict of(boolean match) {
        return match ? MATCH : NOMATCH;
    }

    /** As the CLI prints it: {@code match}, {@code nomatch} or {@code error: MESSAGE}. */
    @Override
    public String toString() {
        return outcome == Outcome.ERROR ? "error: " + message : outcome.word();
    }
}
