package org.divert4j.nativelib;

import org.divert4j.abi.Layer;

/**
 * The negative results of {@code divert4j_eval_filter} (driver/linux/library.c), all of them
 * WinDivert's ERROR_INVALID_PARAMETER: −1 when the program does not load, else
 * −(1 + {@code divert_helper_error}) with the enumerators of driver/core/helper_eval.h, whose
 * names these follow.
 */
enum EvalError {
    /** −1: the program does not load (count, field, test or jump out of range). */
    PROGRAM_LOAD(-1),
    /** −2: {@code DIVERT_HELPER_NULL_ARGUMENT}, no program or no address. */
    NULL_ARGUMENT(-2),
    /** −3: {@code DIVERT_HELPER_BAD_LAYER}, the layer is outside 0..4. */
    BAD_LAYER(-3),
    /** −4: {@code DIVERT_HELPER_NO_PACKET}, a NETWORK layer without a packet. */
    NO_PACKET(-4),
    /** −5: {@code DIVERT_HELPER_BAD_PACKET}, not an IPv4/IPv6 packet. */
    BAD_PACKET(-5),
    /** −6: {@code DIVERT_HELPER_IPV6_MISMATCH}, the address IPv6 flag disagrees with the packet. */
    IPV6_MISMATCH(-6),
    /** −7: {@code DIVERT_HELPER_UNEXPECTED_PACKET}, FLOW/SOCKET with a packet. */
    UNEXPECTED_PACKET(-7),
    /** −8: {@code DIVERT_HELPER_EXECUTION}, a field illegal for the layer ran (or the step limit). */
    EXECUTION(-8);

    private final int code;

    EvalError(int code) {
        this.code = code;
    }

    /** {@return the entry for a negative result, or null if the library returned an unknown one} */
    static EvalError of(int code) {
        for (EvalError e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return null;
    }

    /** The message for this failure of a program of {@code instructions} at {@code layer} on {@code packet}. */
    String message(int instructions, Layer layer, byte[] packet) {
        return switch (this) {
            case PROGRAM_LOAD -> "the program of " + instructions
                    + " instructions does not load (count, field, test or jump out of range)";
            case NULL_ARGUMENT -> "no address record";
            case BAD_LAYER -> "layer " + layer + " is out of range";
            case NO_PACKET -> "layer " + layer + " needs a packet";
            case BAD_PACKET -> "the " + packet.length + " bytes are not a valid IPv4 or IPv6 packet";
            case IPV6_MISMATCH -> "the address IPv6 flag disagrees with the packet's IP version";
            case UNEXPECTED_PACKET -> "layer " + layer + " events carry no packet";
            case EXECUTION -> "the program uses a field that is not legal at layer " + layer;
        };
    }
}
