package org.divert4j.filter.eval;

import java.nio.ByteBuffer;
import java.util.Optional;
import org.divert4j.packet.Decomposition;
import org.divert4j.packet.PacketParser;

/**
 * A packet as the evaluator sees it: {@code length} bytes of {@code buffer} starting at the
 * absolute index {@code offset}, and where its headers are.
 *
 * @param buffer the bytes (only absolute reads are made; position and limit are left alone)
 * @param offset index of the packet's first byte
 * @param length the buffer length the caller passed (the value of the {@code length} field)
 * @param headers the decomposition of those bytes
 */
public record PacketView(ByteBuffer buffer, int offset, int length, Decomposition headers) {

    /**
     * Decomposes {@code length} bytes of {@code buffer} from {@code offset}.
     *
     * @return empty if the bytes are not an IP packet (docs/spec/filter-language.md §8.2)
     * @throws IndexOutOfBoundsException if the range is outside the buffer
     */
    public static Optional<PacketView> of(ByteBuffer buffer, int offset, int length) {
        return PacketParser.decompose(buffer, offset, length)
                .map(d -> new PacketView(buffer, offset, length, d));
    }

    /** The packet in {@code bytes}. */
    public static Optional<PacketView> of(byte[] bytes) {
        return of(ByteBuffer.wrap(bytes), 0, bytes.length);
    }
}
