package org.divert4j.abi;

import java.util.EnumSet;
import java.util.Set;

/** Flags given when a handle is opened (docs/spec/device-abi.md §6.2). */
public enum OpenFlag {
    /** Copy matching packets instead of diverting them. */
    SNIFF(0x01),
    /** Silently drop matching packets. */
    DROP(0x02),
    /** The handle only receives; send is refused. */
    RECV_ONLY(0x04),
    /** The handle only sends; receive is refused. */
    SEND_ONLY(0x08),
    /** Never install the driver on demand (client only). */
    NO_INSTALL(0x10),
    /** Capture inbound IP fragments instead of reassembled packets. */
    FRAGMENTS(0x20);

    /** Every defined bit. */
    public static final long ALL = 0x3F;

    private final long bit;

    OpenFlag(long bit) {
        this.bit = bit;
    }

    /** The flag's bit in the 64-bit flags word. */
    public long bit() {
        return bit;
    }

    /** The flags word for a set of flags. */
    public static long toBits(Set<OpenFlag> flags) {
        long bits = 0;
        for (OpenFlag f : flags) {
            bits |= f.bit;
        }
        return bits;
    }

    /**
     * The flags in a flags word.
     *
     * @throws IllegalArgumentException if an undefined bit is set
     */
    public static EnumSet<OpenFlag> fromBits(long bits) {
        if ((bits & ~ALL) != 0) {
            throw new IllegalArgumentException(String.format("undefined open flag bits 0x%x", bits & ~ALL));
        }
        EnumSet<OpenFlag> set = EnumSet.noneOf(OpenFlag.class);
        for (OpenFlag f : values()) {
            if ((bits & f.bit) != 0) {
                set.add(f);
            }
        }
        return set;
    }

    /**
     * Checks a flags word as the library and the driver do: no undefined bits, not SNIFF with
     * DROP, not RECV_ONLY with SEND_ONLY, and the flags a layer requires (FLOW and REFLECT need
     * SNIFF and RECV_ONLY, SOCKET needs RECV_ONLY).
     *
     * @return null if valid, otherwise what is wrong
     */
    public static String problem(long bits, Layer layer) {
        if ((bits & ~ALL) != 0) {
            return String.format("undefined open flag bits 0x%x", bits & ~ALL);
        }
        if ((bits & SNIFF.bit) != 0 && (bits & DROP.bit) != 0) {
            return "SNIFF and DROP cannot be combined";
        }
        if ((bits & RECV_ONLY.bit) != 0 && (bits & SEND_ONLY.bit) != 0) {
            return "RECV_ONLY and SEND_ONLY cannot be combined";
        }
        boolean sniff = (bits & SNIFF.bit) != 0;
        boolean recvOnly = (bits & RECV_ONLY.bit) != 0;
        switch (layer) {
            case FLOW:
            case REFLECT:
                if (!sniff || !recvOnly) {
                    return "the " + layer + " layer requires SNIFF and RECV_ONLY";
                }
                break;
            case SOCKET:
                if (!recvOnly) {
                    return "the SOCKET layer requires RECV_ONLY";
                }
                break;
            default:
                break;
        }
        return null;
    }
}
