package org.divert4j.filter.object;

/**
 * An instruction array that a driver must refuse (docs/spec/filter-object.md a.7): which of the eight
 * rules is broken, by which instruction, and how.
 */
public final class InvalidProgramException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int rule;
    private final int instruction;

    /**
     * @param rule the rule of a.7 (1…8)
     * @param instruction the offending instruction's index, or -1 for the program as a whole
     * @param message what is wrong
     */
    public InvalidProgramException(int rule, int instruction, String message) {
        super((instruction < 0 ? "" : "instruction " + instruction + ": ") + message + " (rule " + rule + ")");
        this.rule = rule;
        this.instruction = instruction;
    }

    /** The rule of docs/spec/filter-object.md a.7 that is broken (1…8). */
    public int rule() {
        return rule;
    }

    /** The offending instruction's index, or -1 when the program as a whole is wrong. */
    public int instruction() {
        return instruction;
    }
}
