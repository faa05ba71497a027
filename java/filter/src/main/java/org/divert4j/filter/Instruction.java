package org.divert4j.filter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One 24-byte filter instruction as the driver executes it (docs/spec/filter-object.md a.1): compare
 * {@code field} with the sign-magnitude constant (neg, arg0..arg3; arg0 least significant) and
 * continue at {@code success} or {@code failure}: an instruction index, {@link #ACCEPT} or
 * {@link #REJECT}. For array fields {@code arg1} is the signed byte index.
 *
 * <p>Holds raw field and test numbers so that untrusted programs can be represented before they
 * are validated.
 */
public record Instruction(int field, int test, int success, int failure, boolean neg,
        int arg0, int arg1, int arg2, int arg3) {

    /** The filter matches. */
    public static final int ACCEPT = 0x7FFE;
    /** The filter does not match. */
    public static final int REJECT = 0x7FFF;
    /** Size of the encoded record. */
    public static final int SIZE = 24;

    /** Writes the record at the buffer's position (little-endian), advancing it. */
    public void encode(ByteBuffer out) {
        ByteBuffer b = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.putInt((field & 0x7FF) | (test & 0x1F) << 11 | (success & 0xFFFF) << 16);
        b.putInt((failure & 0xFFFF) | (neg ? 1 << 16 : 0));
        b.putInt(arg0).putInt(arg1).putInt(arg2).putInt(arg3);
        out.position(out.position() + SIZE);
    }

    /** Reads a record at the buffer's position (little-endian), advancing it; reserved bits are dropped. */
    public static Instruction decode(ByteBuffer in) {
        ByteBuffer b = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int w0 = b.getInt();
        int w1 = b.getInt();
        Instruction i = new Instruction(w0 & 0x7FF, (w0 >>> 11) & 0x1F, w0 >>> 16, w1 & 0xFFFF,
                (w1 & 0x10000) != 0, b.getInt(), b.getInt(), b.getInt(), b.getInt());
        in.position(in.position() + SIZE);
        return i;
    }

    /** The program as the driver receives it: n × 24 bytes. */
    public static byte[] encodeProgram(java.util.List<Instruction> program) {
        ByteBuffer b = ByteBuffer.allocate(program.size() * SIZE);
        for (Instruction i : program) {
            i.encode(b);
        }
        return b.array();
    }
}
