package org.divert4j.cli;

/** The user's input (a filter, packet or file) is invalid: exit status 1 with the message. */
public final class InvalidInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With a message that says what is wrong and where. */
    public InvalidInputException(String message) {
        super(message);
    }
}
