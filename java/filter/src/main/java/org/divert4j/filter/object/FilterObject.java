package org.divert4j.filter.object;

import java.util.ArrayList;
import java.util.List;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterError;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;

/**
 * The printable object string {@code @WinDiv_…} of a compiled program (docs/spec/filter-object.md (b)):
 * encoding exactly as the reference library writes it, and decoding with the reference
 * decoder's validation (syntax, field/test/neg/label ranges; no layer or constant-range checks).
 */
public final class FilterObject {
    /** The literal prefix of every object string. */
    public static final String MAGIC = "@WinDiv_";
    /** A safe upper bound of an object string's length including its NUL (b.6). */
    public static final int MAX_LENGTH = 8 + 4 + 2 + 256 * 40 + 1;
    /** The most instructions an object string can announce. */
    public static final int MAX_INSTRUCTIONS = 256;

    private static final String ALPHABET =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+=";
    private static final int ARRAY_INDEX_BIAS = 65535;
    private static final int IPV4_MAPPED_WORD = 0x0000FFFF;

    private FilterObject() {
    }

    /** True if {@code filter} is to be treated as an object string rather than filter text. */
    public static boolean isObject(String filter) {
        return filter.startsWith("@");
    }

    /**
     * The object string of a program, exactly as the reference library writes it. A program of
     * 256 instructions is written as count 0 without instructions ({@code @WinDiv_WW}, b.6), which
     * no decoder accepts; constant bits the format does not carry are dropped (b.4).
     *
     * @throws IllegalArgumentException if the program is empty or longer than 256 instructions,
     *     or holds a field, test or label the format cannot express
     */
    public static String encode(List<Instruction> program) {
        if (program.isEmpty() || program.size() > MAX_INSTRUCTIONS) {
            throw new IllegalArgumentException(
                    "a program has 1.." + MAX_INSTRUCTIONS + " instructions, not " + program.size());
        }
        StringBuilder out = new StringBuilder(MAGIC);
        number(out, 0);
        int count = program.size() & 0xFF;
        number(out, count);
        for (int i = 0; i < count; i++) {
            instruction(out, program.get(i), i);
        }
        return out.toString();
    }

    private static void instruction(StringBuilder out, Instruction ins, int index) {
        if (ins.field() < 0 || ins.field() > Field.MAX_ID) {
            throw new IllegalArgumentException("instruction " + index + ": field " + ins.field() + " has no encoding");
        }
        if (ins.test() < 0 || ins.test() > 5) {
            throw new IllegalArgumentException("instruction " + index + ": test " + ins.test() + " has no encoding");
        }
        out.append('_');
        number(out, ins.field());
        number(out, ins.test());
        number(out, ins.neg() ? 1 : 0);
        number(out, ins.arg0());
        switch (extraArgs(ins.field())) {
            case WORDS_1_TO_3 -> {
                number(out, ins.arg1());
                number(out, ins.arg2());
                number(out, ins.arg3());
            }
            case WORD_1 -> number(out, ins.arg1());
            case ARRAY_INDEX -> number(out, ins.arg1() + ARRAY_INDEX_BIAS);
            case IPV4, NONE -> { }
        }
        label(out, ins.success(), index);
        label(out, ins.failure(), index);
    }

    private static void label(StringBuilder out, int label, int index) {
        if (label == Instruction.ACCEPT) {
            out.append('A');
        } else if (label == Instruction.REJECT) {
            out.append('X');
        } else if (label >= 0 && label <= MAX_INSTRUCTIONS) {
            out.append('L');
            number(out, label);
        } else {
            throw new IllegalArgumentException("instruction " + index + ": label " + label + " has no encoding");
        }
    }

    /** Appends the base-32 self-delimiting encoding of the unsigned 32-bit {@code value} (b.2). */
    private static void number(StringBuilder out, int value) {
        int shift = 30;
        while (shift > 0 && (value >>> shift) == 0) {
            shift -= 5;
        }
        for (; shift > 0; shift -= 5) {
            out.append(ALPHABET.charAt((value >>> shift) & 0x1F));
        }
        out.append(ALPHABET.charAt(32 + (value & 0x1F)));
    }

    /**
     * Decodes an object string into its program.
     *
     * @throws FilterException {@link FilterError#INVALID_OBJECT} at position 0, with a detail
     *     saying what is wrong at which character
     */
    public static List<Instruction> decode(String object) throws FilterException {
        return new Decoder(object).program();
    }

    private enum Extra { WORDS_1_TO_3, WORD_1, IPV4, ARRAY_INDEX, NONE }

    private static Extra extraArgs(int field) {
        return switch (field) {
            case 28, 29, 61, 62 -> Extra.WORDS_1_TO_3;
            case 66, 67, 81 -> Extra.WORD_1;
            case 21, 22 -> Extra.IPV4;
            case 71, 72, 73, 74, 75, 76, 77, 78, 79 -> Extra.ARRAY_INDEX;
            default -> Extra.NONE;
        };
    }

    /** A cursor over the object string; every failure names the character it happened at. */
    private static final class Decoder {
        private final String text;
        private int pos;

        Decoder(String text) {
            this.text = text;
        }

        List<Instruction> program() throws FilterException {
            if (!text.startsWith(MAGIC)) {
                int at = 0;
                while (at < MAGIC.length() && at < text.length() && text.charAt(at) == MAGIC.charAt(at)) {
                    at++;
                }
                throw invalid(at, "expected the prefix \"" + MAGIC + "\"");
            }
            pos = MAGIC.length();
            int versionAt = pos;
            long version = number(4, "version");
            if (version != 0) {
                throw invalid(versionAt, "version " + version + " is not supported (expected 0)");
            }
            int countAt = pos;
            int count = (int) number(2, "instruction count");
            if (count < 1 || count > MAX_INSTRUCTIONS) {
                throw invalid(countAt, "instruction count " + count + " is outside 1.." + MAX_INSTRUCTIONS);
            }
            List<Instruction> program = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                program.add(instruction(i, count));
            }
            if (pos < text.length()) {
                throw invalid(pos, "unexpected " + describe(text.charAt(pos)) + " after the last of "
                        + count + " instructions");
            }
            return program;
        }

        private Instruction instruction(int index, int count) throws FilterException {
            String where = "instruction " + index;
            if (pos >= text.length()) {
                throw invalid(pos, "the string ends before " + where + " of " + count);
            }
            if (text.charAt(pos) != '_') {
                throw invalid(pos, "expected '_' to start " + where + ", found " + describe(text.charAt(pos)));
            }
            pos++;
            int fieldAt = pos;
            int field = (int) number(2, where + " field");
            if (field > Field.MAX_ID) {
                throw invalid(fieldAt, where + ": field " + field + " is unknown (max "
                        + Field.MAX_ID + ")");
            }
            int testAt = pos;
            int test = (int) number(2, where + " test");
            if (test > 5) {
                throw invalid(testAt, where + ": test " + test + " is unknown (max 5)");
            }
            int negAt = pos;
            int neg = (int) number(1, where + " sign");
            if (neg > 1) {
                throw invalid(negAt, where + ": sign " + neg + " must be 0 or 1");
            }
            int arg0 = word(where + " arg0");
            int arg1 = 0;
            int arg2 = 0;
            int arg3 = 0;
            switch (extraArgs(field)) {
                case WORDS_1_TO_3 -> {
                    arg1 = word(where + " arg1");
                    arg2 = word(where + " arg2");
                    arg3 = word(where + " arg3");
                }
                case WORD_1 -> arg1 = word(where + " arg1");
                case IPV4 -> arg1 = IPV4_MAPPED_WORD;
                case ARRAY_INDEX -> arg1 = word(where + " index") - ARRAY_INDEX_BIAS;
                case NONE -> { }
            }
            int success = label(index, count, where + " success label");
            int failure = label(index, count, where + " failure label");
            return new Instruction(field, test, success, failure, neg == 1, arg0, arg1, arg2, arg3);
        }

        private int word(String what) throws FilterException {
            return (int) number(7, what);
        }

        private int label(int index, int count, String what) throws FilterException {
            if (pos >= text.length()) {
                throw invalid(pos, "the string ends where the " + what + " belongs");
            }
            char c = text.charAt(pos);
            switch (c) {
                case 'A' -> {
                    pos++;
                    return Instruction.ACCEPT;
                }
                case 'X' -> {
                    pos++;
                    return Instruction.REJECT;
                }
                case 'L' -> {
                    pos++;
                    int at = pos;
                    int target = (int) number(2, what);
                    if (target > MAX_INSTRUCTIONS || target <= index || target >= count) {
                        throw invalid(at, what + " " + target + " must jump forward to an instruction in "
                                + (index + 1) + ".." + (count - 1));
                    }
                    return target;
                }
                default -> throw invalid(pos, "expected 'A', 'X' or 'L' for the " + what + ", found " + describe(c));
            }
        }

        /** Reads one self-delimiting number of at most {@code maxDigits} digits (b.2). */
        private long number(int maxDigits, String what) throws FilterException {
            int start = pos;
            long value = 0;
            for (int n = 0; n < maxDigits; n++) {
                if (value >= 1L << 27) {
                    throw invalid(start, what + " does not fit in 32 bits");
                }
                if (pos >= text.length()) {
                    throw invalid(pos, "the string ends inside the " + what);
                }
                char c = text.charAt(pos);
                int digit = ALPHABET.indexOf(c);
                if (digit < 0) {
                    throw invalid(pos, describe(c) + " is not a digit (in the " + what + ")");
                }
                pos++;
                value = value * 32 + (digit & 0x1F);
                if (digit >= 32) {
                    return value;
                }
            }
            throw invalid(start, "the " + what + " has no final digit within " + maxDigits + " characters");
        }

        private static String describe(char c) {
            return c >= 0x21 && c <= 0x7E ? "'" + c + "'" : String.format("character U+%04X", (int) c);
        }

        private static FilterException invalid(int at, String why) {
            return new FilterException(FilterError.INVALID_OBJECT, 0, "character " + at + ": " + why);
        }
    }
}
