package org.divert4j.filter;

/** The test (comparison) of an instruction (docs/spec/filter-object.md a.2). */
public enum Comparison {
    /** {@code ==}. */
    EQ("="),
    /** {@code !=}. */
    NEQ("!="),
    /** {@code <}. */
    LT("<"),
    /** {@code <=}. */
    LEQ("<="),
    /** {@code >}. */
    GT(">"),
    /** {@code >=}. */
    GEQ(">=");

    private final String symbol;

    Comparison(String symbol) {
        this.symbol = symbol;
    }

    /** The operator as the formatter prints it ({@code =} for equality). */
    public String symbol() {
        return symbol;
    }

    /** The test's number in compiled programs. */
    public int id() {
        return ordinal();
    }

    /** The test {@code not} turns this one into. */
    public Comparison negate() {
        switch (this) {
            case EQ: return NEQ;
            case NEQ: return EQ;
            case LT: return GEQ;
            case LEQ: return GT;
            case GT: return LEQ;
            default: return LT;
        }
    }

    /** Whether a three-way comparison result {@code c} (negative, zero, positive) passes. */
    public boolean holds(int c) {
        switch (this) {
            case EQ: return c == 0;
            case NEQ: return c != 0;
            case LT: return c < 0;
            case LEQ: return c <= 0;
            case GT: return c > 0;
            default: return c >= 0;
        }
    }

    /**
     * The test with the given number.
     *
     * @throws IllegalArgumentException if {@code id} is not 0…5
     */
    public static Comparison of(int id) {
        if (id < 0 || id > 5) {
            throw new IllegalArgumentException("unknown test " + id + " (expected 0..5)");
        }
        return values()[id];
    }
}
