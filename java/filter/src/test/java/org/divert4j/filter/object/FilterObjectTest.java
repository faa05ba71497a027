package org.divert4j.filter.object;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.divert4j.filter.FilterError;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The object string of docs/spec/filter-object.md (b): every example of b.2, b.5, b.6, b.7 and b.8. */
class FilterObjectTest {
    private static final int A = Instruction.ACCEPT;
    private static final int X = Instruction.REJECT;

    private static Instruction ins(int field, int test, boolean neg, int arg0, int arg1, int arg2, int arg3,
            int success, int failure) {
        return new Instruction(field, test, success, failure, neg, arg0, arg1, arg2, arg3);
    }

    private static Instruction ins(int field, int test, int arg0, int success, int failure) {
        return ins(field, test, false, arg0, 0, 0, 0, success, failure);
    }

    /** A one-instruction program whose only number of interest is arg0 of a narrow field. */
    private static String arg0Object(int arg0) {
        return FilterObject.encode(List.of(ins(39, 0, arg0, A, X)));
    }

    @ParameterizedTest
    @CsvSource({
        "0, W", "1, X", "31, =", "32, 1W", "53, 1r", "80, 2m", "255, 7=", "256, 8W", "65535, 1VV=",
        "65536, 200W", "0x7FFE, VV+", "0x3FFFFFFF, VVVVV=", "0x40000000, 100000W",
        "0xFFFF0000, 3VVU00W", "0xFFFFFFFF, 3VVVVV="})
    void numbersOfB2(String value, String digits) throws FilterException {
        int v = (int) Long.decode(value).longValue();
        String object = arg0Object(v);
        assertThat(object).isEqualTo("@WinDiv_WX_1dWW" + digits + "AX");
        assertThat(FilterObject.decode(object).get(0).arg0()).isEqualTo(v);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // object | field test neg arg0 arg1 arg2 arg3 success failure ; ...
        "@WinDiv_WX_WWWWAA | 0 0 0 0 0 0 0 A A",
        "@WinDiv_WX_WWWWXX | 0 0 0 0 0 0 0 X X",
        "@WinDiv_WX_eXWWAX | 8 1 0 0 0 0 0 A X",
        "@WinDiv_WY_1dWW2mLXX_YXWWAX | 39 0 0 80 0 0 0 1 X ; 2 1 0 0 0 0 0 A X",
        "@WinDiv_WX_rWW50000XAX | 21 0 0 0x0A000001 0xFFFF 0 0 A X",
        "@WinDiv_WX_zWWXWWWAX | 29 0 0 1 0 0 0 A X",
        "@WinDiv_WX_2fWWPJ8D9s1VVwAX | 73 0 0 0x33343536 -5 0 0 A X",
        "@WinDiv_WX_2gWW2d200XAX | 74 0 0 71 2 0 0 A X",
        "@WinDiv_WX_2nbXXWAX | 81 5 1 1 0 0 0 A X",
        "@WinDiv_WY_1dWW2mALX_1sWW1rAX | 39 0 0 80 0 0 0 A 1 ; 54 0 0 53 0 0 0 A X",
        "@WinDiv_WZ_eXWWLXLY_1dWW2mAX_1sWW1rAX | 8 1 0 0 0 0 0 1 2 ; 39 0 0 80 0 0 0 A X ; 54 0 0 53 0 0 0 A X",
        "@WinDiv_WY_dWWWLXX_1wXWWAX | 7 0 0 0 0 0 0 1 X ; 58 1 0 0 0 0 0 A X",
        "@WinDiv_WX_2YWWHKAPSfXAX | 66 0 0 0x23456789 1 0 0 A X",
        "@WinDiv_WX_2cWWaAX | 70 0 0 4 0 0 0 A X",
        "@WinDiv_WX_1zWWG40Oa1VV=WWAX | 61 0 0 0x01020304 0xFFFF 0 0 A X",
        "@WinDiv_WY_eXWWAX_fXWWAX | 8 1 0 0 0 0 0 A X ; 9 1 0 0 0 0 0 A X",
        "@WinDiv_WX_2bYXbAX | 69 2 1 5 0 0 0 A X",
        "@WinDiv_WX_bWWWAX | 5 0 0 0 0 0 0 A X",
        "@WinDiv_WY_1cZWV=LXX_1daWV=AX | 38 3 0 1023 0 0 0 1 X ; 39 4 0 1023 0 0 0 A X",
        "@WinDiv_WY_1yWW16oALX_1yWW5HkAX | 60 0 0 1234 0 0 0 A 1 ; 60 0 0 5678 0 0 0 A X",
        "@WinDiv_WX_2kXWX1VVzAX | 78 1 0 1 -2 0 0 A X",
        "@WinDiv_WZ_1lXWWLXX_1iWWWLYX_1dWWDxAX | 47 1 0 0 0 0 0 1 X ; 44 0 0 0 0 0 0 2 X ; 39 0 0 443 0 0 0 A X",
        "@WinDiv_WX_2dWWb200WAX | 71 0 0 5 1 0 0 A X",
        "@WinDiv_WX_sWWG000XAX | 22 0 0 0x01000001 0xFFFF 0 0 A X",
    })
    void examplesOfB7(String object, String program) throws FilterException {
        List<Instruction> expected = parse(program);
        assertThat(FilterObject.decode(object)).isEqualTo(expected);
        assertThat(FilterObject.encode(expected)).isEqualTo(object);
    }

    private static List<Instruction> parse(String program) {
        List<Instruction> out = new ArrayList<>();
        for (String one : program.split(";")) {
            String[] w = one.trim().split("\\s+");
            out.add(ins(Integer.parseInt(w[0]), Integer.parseInt(w[1]), w[2].equals("1"),
                    (int) Long.decode(w[3]).longValue(), (int) Long.decode(w[4]).longValue(),
                    Integer.parseInt(w[5]), Integer.parseInt(w[6]), label(w[7]), label(w[8])));
        }
        return out;
    }

    private static int label(String s) {
        return s.equals("A") ? A : s.equals("X") ? X : Integer.parseInt(s);
    }

    @Test
    void handDecodingOfB8() throws FilterException {
        List<Instruction> p = FilterObject.decode("@WinDiv_WY_1dWW2mALX_1sWW1rAX");
        assertThat(p).containsExactly(ins(39, 0, 80, A, 1), ins(54, 0, 53, A, X)).inOrder();
    }

    @Test
    void twoHundredFiftySixInstructionsEncodeAsCountZero() {
        List<Instruction> program = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            program.add(ins(39, 0, i, A, i == 255 ? X : i + 1));
        }
        String object = FilterObject.encode(program);
        assertThat(object).isEqualTo("@WinDiv_WW");
        FilterException e = assertThrows(FilterException.class, () -> FilterObject.decode(object));
        assertThat(e.detail()).contains("count 0");
    }

    @Test
    void twoHundredFiftyFiveInstructionsRoundTrip() throws FilterException {
        List<Instruction> program = new ArrayList<>();
        for (int i = 0; i < 255; i++) {
            program.add(ins(39, 0, i, A, i == 254 ? X : i + 1));
        }
        String object = FilterObject.encode(program);
        assertThat(object).startsWith("@WinDiv_W7=_");
        assertThat(FilterObject.decode(object)).isEqualTo(program);
    }

    @Test
    void decoderAcceptsTwoHundredFiftySixInstructions() throws FilterException {
        StringBuilder object = new StringBuilder("@WinDiv_W8W");
        for (int i = 0; i < 256; i++) {
            object.append("_eXWW").append(i == 255 ? "AX" : "AL" + digits(i + 1));
        }
        assertThat(FilterObject.decode(object.toString())).hasSize(256);
    }

    private static String digits(int v) {
        String s = arg0Object(v);
        return s.substring("@WinDiv_WX_1dWW".length(), s.length() - 2);
    }

    @Test
    void normalisationOfB5() throws FilterException {
        assertThat(FilterObject.encode(FilterObject.decode("@WinDiv_WX_0eXWWAX"))).isEqualTo("@WinDiv_WX_eXWWAX");
        assertThat(FilterObject.encode(FilterObject.decode("@WinDiv_000WX_eXWWAX"))).isEqualTo("@WinDiv_WX_eXWWAX");
        assertThat(FilterObject.encode(FilterObject.decode("@WinDiv_WX_eXW000000WAX")))
                .isEqualTo("@WinDiv_WX_eXWWAX");
    }

    @Test
    void encoderDropsBitsTheFormatDoesNotCarry() throws FilterException {
        // tcp.SeqNum == 0x100000005: arg1 = 1 is not written, so it decodes as 5.
        String object = FilterObject.encode(List.of(ins(40, 0, false, 5, 1, 0, 0, A, X)));
        assertThat(FilterObject.decode(object)).containsExactly(ins(40, 0, 5, A, X));
        // array field: bits 64..127 dropped, the index survives.
        object = FilterObject.encode(List.of(ins(71, 0, false, 5, -3, 7, 7, A, X)));
        assertThat(FilterObject.decode(object)).containsExactly(ins(71, 0, false, 5, -3, 0, 0, A, X));
        // ip.SrcAddr: only arg0 is written; the decoder restores the IPv4-mapped word.
        object = FilterObject.encode(List.of(ins(21, 0, false, 9, 0x1234, 0, 0, A, X)));
        assertThat(FilterObject.decode(object)).containsExactly(ins(21, 0, false, 9, 0xFFFF, 0, 0, A, X));
    }

    @Test
    void arrayIndexBounds() throws FilterException {
        for (int index : new int[] {-65575, -65535, -1, 0, 65575, Integer.MAX_VALUE - 65535}) {
            List<Instruction> p = List.of(ins(73, 0, false, 1, index, 0, 0, A, X));
            assertThat(FilterObject.decode(FilterObject.encode(p))).isEqualTo(p);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // input | expected character position in the detail
        "'' | 0",
        "@WinDiv | 7",
        "@windiv_WX_eXWWAX | 1",
        "@WinDiv_ | 8",
        "@WinDiv_XX_eXWWAX | 8",
        "@WinDiv_0000WX_eXWWAX | 8",
        "@WinDiv_WW | 9",
        "@WinDiv_W91_eXWWAX | 9",
        "@WinDiv_WX | 10",
        "@WinDiv_WXeXWWAX | 10",
        "@WinDiv_WX_2wWWWAX | 11",
        "@WinDiv_WX_ecWWAX | 12",
        "@WinDiv_WX_eXYWAX | 13",
        "@WinDiv_WX_eXW~AX | 14",
        "@WinDiv_WX_eXW4VVVVVWAX | 14",
        "@WinDiv_WX_eXW0000000WAX | 14",
        "@WinDiv_WX_eXWWBX | 15",
        "@WinDiv_WX_eXWWL0XX | 16",
        "@WinDiv_WX_eXWWLXX | 16",
        "@WinDiv_WX_eXWWALW | 17",
        "@WinDiv_WY_eXWWLXX_eXWWLXX | 24",
        "@WinDiv_WX_eXWWAX_ | 17",
        "@WinDiv_WX_eXWWAXW | 17",
        "@WinDiv_WX_eXWWA | 16",
        "@WinDiv_WY_eXWWAX | 17",
    })
    void invalidObjects(String object, int at) {
        FilterException e = assertThrows(FilterException.class, () -> FilterObject.decode(object));
        assertThat(e.error()).isEqualTo(FilterError.INVALID_OBJECT);
        assertThat(e.position()).isEqualTo(0);
        assertThat(e.detail()).startsWith("character " + at + ":");
    }

    @ParameterizedTest
    @ValueSource(strings = {"@WinDiv_WX_eXWWAX\u0000", "@WinDiv_WX_eXWWAX ", "@WinDiv_WX_e\u00e9WWAX"})
    void strayCharactersAreNamed(String object) {
        FilterException e = assertThrows(FilterException.class, () -> FilterObject.decode(object));
        assertThat(e.getMessage()).contains("Filter object is invalid");
        assertThat(e.detail()).containsMatch("U\\+|' '|after the last");
    }

    @Test
    void encoderRejectsWhatItCannotWrite() {
        assertThrows(IllegalArgumentException.class, () -> FilterObject.encode(Collections.emptyList()));
        assertThrows(IllegalArgumentException.class, () -> FilterObject.encode(List.of(ins(86, 0, 0, A, X))));
        assertThrows(IllegalArgumentException.class, () -> FilterObject.encode(List.of(ins(8, 6, 0, A, X))));
        assertThrows(IllegalArgumentException.class, () -> FilterObject.encode(List.of(ins(8, 0, 0, 300, X))));
    }
}
