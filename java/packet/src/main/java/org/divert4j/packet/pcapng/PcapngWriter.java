package org.divert4j.packet.pcapng;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.packet.Packet;

/**
 * Writes network-layer packets with their address records as a pcapng file (one section, raw IP
 * link type {@value #LINKTYPE_RAW}) that Wireshark and tcpdump read.
 *
 * <p>The section has a single interface description block ({@code divert4j}, raw IP, nanosecond
 * timestamps): libpcap 1.10 (tcpdump) refuses a second raw-IP interface block ("an interface
 * has a type 101 different from the type of the first interface"), so the WinDivert interface
 * is recorded per packet instead. Each packet is an enhanced packet block with a nanosecond
 * timestamp, the direction in the {@code epb_flags} option (inbound 1, outbound 2) and a comment
 * naming the interface and the other address flags, e.g.
 * {@code if=5.0 loopback impostor} (words: {@code forward loopback impostor sniffed ip-checksum
 * tcp-checksum udp-checksum}).
 *
 * <p>Address timestamps are performance-counter values; the writer converts them with the
 * function given to the constructor (see {@link #counterClock}). Not thread-safe.
 */
public final class PcapngWriter implements AutoCloseable {
    /** LINKTYPE_RAW: the packet starts with its IPv4 or IPv6 header. */
    public static final int LINKTYPE_RAW = 101;

    private static final int SHB = 0x0A0D0D0A;
    private static final int IDB = 0x00000001;
    private static final int EPB = 0x00000006;
    private static final int SNAPLEN = 262144;

    private final OutputStream out;
    private final LongUnaryOperator toEpochNanos;
    private boolean closed;

    /**
     * Starts a pcapng section on {@code out}, which the writer owns (closing the writer closes it).
     *
     * @param out the stream to write to
     * @param toEpochNanos converts an address record's timestamp to nanoseconds since the Unix
     *     epoch
     * @throws IOException if writing the section header fails
     */
    public PcapngWriter(OutputStream out, LongUnaryOperator toEpochNanos) throws IOException {
        this.out = out;
        this.toEpochNanos = toEpochNanos;
        Block b = new Block(SHB);
        b.body.putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1);
        b.option(4, "divert4j".getBytes(StandardCharsets.UTF_8));
        write(b);
        Block idb = new Block(IDB);
        idb.body.putShort((short) LINKTYPE_RAW).putShort((short) 0).putInt(SNAPLEN);
        idb.option(2, "divert4j".getBytes(StandardCharsets.UTF_8));
        idb.option(9, new byte[] {9});
        write(idb);
    }

    /**
     * A timestamp conversion for performance-counter ticks: {@code frequency} ticks per second,
     * tick 0 at {@code epochNanosAtZero} nanoseconds since the Unix epoch.
     *
     * @param frequency ticks per second, 1 … 9·10^9
     * @param epochNanosAtZero the time of tick 0, in nanoseconds since the Unix epoch
     * @return ticks to nanoseconds since the Unix epoch
     */
    public static LongUnaryOperator counterClock(long frequency, long epochNanosAtZero) {
        if (frequency <= 0 || frequency > 9_000_000_000L) {
            throw new IllegalArgumentException("frequency out of range 1..9e9: " + frequency);
        }
        return ticks -> epochNanosAtZero + Math.floorDiv(ticks, frequency) * 1_000_000_000L
                + Math.floorMod(ticks, frequency) * 1_000_000_000L / frequency;
    }

    /**
     * Writes {@code packet} (all of its bytes) captured with address record {@code addr}.
     *
     * @param packet the packet
     * @param addr its address record (network layer)
     * @throws IOException if writing fails
     */
    public void write(Packet packet, Address addr) throws IOException {
        write(packet.buffer(), addr);
    }

    /**
     * Writes the bytes from position to limit of {@code packet} (the position is not changed),
     * captured with address record {@code addr}.
     *
     * @param packet the packet's bytes
     * @param addr its address record (network layer)
     * @throws IOException if writing fails
     * @throws IllegalArgumentException if the address is not a NETWORK or NETWORK_FORWARD record
     *     or the packet exceeds 262144 bytes
     */
    public void write(ByteBuffer packet, Address addr) throws IOException {
        if (closed) {
            throw new IllegalStateException("the writer is closed");
        }
        if (!(addr.data() instanceof LayerData.Network net)) {
            throw new IllegalArgumentException("only network-layer packets can be written, not " + addr.layer());
        }
        int len = packet.remaining();
        if (len > SNAPLEN) {
            throw new IllegalArgumentException("packet of " + len + " bytes exceeds " + SNAPLEN);
        }
        long ts = toEpochNanos.applyAsLong(addr.timestamp());
        Block b = new Block(EPB, len + 64);
        b.body.putInt(0).putInt((int) (ts >>> 32)).putInt((int) ts).putInt(len).putInt(len);
        b.body.put(packet.duplicate());
        b.pad();
        ByteBuffer flags = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(addr.outbound() ? 2 : 1);
        b.option(2, flags.array());
        b.option(1, comment(addr, net).getBytes(StandardCharsets.UTF_8));
        write(b);
    }

    private static String comment(Address a, LayerData.Network net) {
        List<String> words = new ArrayList<>();
        words.add("if=" + Integer.toUnsignedString(net.ifIdx()) + "." + Integer.toUnsignedString(net.subIfIdx()));
        if (a.layer() == Layer.NETWORK_FORWARD) {
            words.add("forward");
        }
        if (a.loopback()) {
            words.add("loopback");
        }
        if (a.impostor()) {
            words.add("impostor");
        }
        if (a.sniffed()) {
            words.add("sniffed");
        }
        if (a.ipChecksum()) {
            words.add("ip-checksum");
        }
        if (a.tcpChecksum()) {
            words.add("tcp-checksum");
        }
        if (a.udpChecksum()) {
            words.add("udp-checksum");
        }
        return String.join(" ", words);
    }

    private void write(Block b) throws IOException {
        out.write(b.finish());
    }

    /**
     * Flushes the underlying stream.
     *
     * @throws IOException if flushing fails
     */
    public void flush() throws IOException {
        out.flush();
    }

    /** Flushes and closes the underlying stream. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            out.close();
        }
    }

    /** One block under construction: type, length placeholder, body, options, trailing length. */
    private static final class Block {
        final ByteBuffer body;
        private boolean hasOptions;

        Block(int type) {
            this(type, 256);
        }

        Block(int type, int capacity) {
            body = ByteBuffer.allocate(capacity + 256).order(ByteOrder.LITTLE_ENDIAN);
            body.putInt(type).putInt(0);
        }

        void pad() {
            while ((body.position() & 3) != 0) {
                body.put((byte) 0);
            }
        }

        void option(int code, byte[] value) {
            body.putShort((short) code).putShort((short) value.length).put(value);
            pad();
            hasOptions = true;
        }

        byte[] finish() {
            if (hasOptions) {
                body.putInt(0);
            }
            int total = body.position() + 4;
            body.putInt(total);
            body.putInt(4, total);
            byte[] bytes = new byte[total];
            body.get(0, bytes);
            return bytes;
        }
    }
}
