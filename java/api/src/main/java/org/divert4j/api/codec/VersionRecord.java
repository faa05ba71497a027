package org.divert4j.api.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.divert4j.abi.Abi;

/**
 * The 64-byte version record exchanged by INITIALIZE (docs/spec/device-abi.md §5): magic, major, minor,
 * pointer width; the reserved words are zero when sent and ignored when received.
 *
 * @param magic {@link Abi#MAGIC_DLL} from the client, {@link Abi#MAGIC_SYS} from the driver
 * @param major major version
 * @param minor minor version
 * @param bits pointer width (32 or 64) of the sender
 */
public record VersionRecord(long magic, int major, int minor, int bits) {

    /**
     * What the client sends: the client magic, version 2.2 and the pointer width.
     *
     * @param bits 32 or 64
     * @return the record
     */
    public static VersionRecord request(int bits) {
        return new VersionRecord(Abi.MAGIC_DLL, Abi.VERSION_MAJOR, Abi.VERSION_MINOR, bits);
    }

    /** {@return the 64-byte record} */
    public byte[] encode() {
        return ByteBuffer.allocate(Abi.VERSION_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(0, magic).putInt(8, major).putInt(12, minor).putInt(16, bits).array();
    }

    /**
     * Reads a record from the first 64 bytes at the buffer's position (the position is not
     * moved).
     *
     * @param in the buffer
     * @return the record
     * @throws IllegalArgumentException if fewer than 64 bytes remain
     */
    public static VersionRecord decode(ByteBuffer in) {
        if (in.remaining() < Abi.VERSION_SIZE) {
            throw new IllegalArgumentException("a version record needs 64 bytes, " + in.remaining() + " left");
        }
        ByteBuffer b = in.slice(in.position(), Abi.VERSION_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        return new VersionRecord(b.getLong(0), b.getInt(8), b.getInt(12), b.getInt(16));
    }

    /**
     * True if this is a driver reply the client accepts: the driver magic and major version 2
     * or later (docs/spec/device-abi.md §4.1 step 5).
     *
     * @return whether the client may proceed
     */
    public boolean isCompatibleDriverReply() {
        return magic == Abi.MAGIC_SYS && major >= Abi.VERSION_MAJOR;
    }
}
