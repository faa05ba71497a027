package org.divert4j.packet.header;

import java.nio.ByteBuffer;

/** The TCP header (docs/spec/helpers.md §1.4): 20 fixed bytes plus options up to 4 × data offset. */
public final class TcpHeader extends HeaderView {
    /** Bytes of the fixed part. */
    public static final int MIN_LENGTH = 20;
    /** FIN flag bit. */
    public static final int FIN = 0x01;
    /** SYN flag bit. */
    public static final int SYN = 0x02;
    /** RST flag bit. */
    public static final int RST = 0x04;
    /** PSH flag bit. */
    public static final int PSH = 0x08;
    /** ACK flag bit. */
    public static final int ACK = 0x10;
    /** URG flag bit. */
    public static final int URG = 0x20;

    /**
     * A view of the TCP header at absolute index {@code offset} of {@code buf}.
     *
     * @param onWrite run after every write (may be null)
     */
    public TcpHeader(ByteBuffer buf, int offset, Runnable onWrite) {
        super(buf, offset, onWrite);
    }

    /** Source port. */
    public int srcPort() {
        return u16(0);
    }

    /** Sets the source port. */
    public void setSrcPort(int v) {
        put16(0, v, "source port");
    }

    /** Destination port. */
    public int dstPort() {
        return u16(2);
    }

    /** Sets the destination port. */
    public void setDstPort(int v) {
        put16(2, v, "destination port");
    }

    /** Sequence number (unsigned 32-bit). */
    public long seqNum() {
        return u32(4);
    }

    /** Sets the sequence number. */
    public void setSeqNum(long v) {
        put32(4, v, "sequence number");
    }

    /** Acknowledgement number (unsigned 32-bit). */
    public long ackNum() {
        return u32(8);
    }

    /** Sets the acknowledgement number. */
    public void setAckNum(long v) {
        put32(8, v, "acknowledgement number");
    }

    /** Data offset: the header length in 32-bit words (high nibble of byte 12). */
    public int dataOffset() {
        return u8(12) >>> 4;
    }

    /** Sets the data offset (0–15 words). */
    public void setDataOffset(int words) {
        check(words, 0xF, "data offset");
        putBits(12, 0xF0, words << 4);
    }

    /** The header length in bytes as the data offset states it: 4 × data offset. */
    public int headerLength() {
        return dataOffset() * 4;
    }

    /** The reserved low nibble of byte 12. */
    public int reserved1() {
        return u8(12) & 0x0F;
    }

    /** Sets the reserved low nibble of byte 12 (0–15). */
    public void setReserved1(int v) {
        check(v, 0xF, "reserved");
        putBits(12, 0x0F, v);
    }

    /** The reserved top two bits of byte 13 (as a value 0–3). */
    public int reserved2() {
        return u8(13) >>> 6;
    }

    /** Sets the reserved top two bits of byte 13 (0–3). */
    public void setReserved2(int v) {
        check(v, 0x3, "reserved");
        putBits(13, 0xC0, v << 6);
    }

    /** The whole flags byte 13 (see {@link #FIN} … {@link #URG}; 0xC0 = reserved). */
    public int flags() {
        return u8(13);
    }

    /** Sets the whole flags byte 13. */
    public void setFlags(int v) {
        put8(13, v, "flags");
    }

    /** FIN. */
    public boolean fin() {
        return bit(13, FIN);
    }

    /** Sets FIN. */
    public void setFin(boolean on) {
        putFlag(13, FIN, on);
    }

    /** SYN. */
    public boolean syn() {
        return bit(13, SYN);
    }

    /** Sets SYN. */
    public void setSyn(boolean on) {
        putFlag(13, SYN, on);
    }

    /** RST. */
    public boolean rst() {
        return bit(13, RST);
    }

    /** Sets RST. */
    public void setRst(boolean on) {
        putFlag(13, RST, on);
    }

    /** PSH. */
    public boolean psh() {
        return bit(13, PSH);
    }

    /** Sets PSH. */
    public void setPsh(boolean on) {
        putFlag(13, PSH, on);
    }

    /** ACK. */
    public boolean ack() {
        return bit(13, ACK);
    }

    /** Sets ACK. */
    public void setAck(boolean on) {
        putFlag(13, ACK, on);
    }

    /** URG. */
    public boolean urg() {
        return bit(13, URG);
    }

    /** Sets URG. */
    public void setUrg(boolean on) {
        putFlag(13, URG, on);
    }

    /** Window. */
    public int window() {
        return u16(14);
    }

    /** Sets the window. */
    public void setWindow(int v) {
        put16(14, v, "window");
    }

    /** The checksum as stored. */
    public int checksum() {
        return u16(16);
    }

    /** Stores a checksum. */
    public void setChecksum(int v) {
        put16(16, v, "checksum");
    }

    /** Urgent pointer. */
    public int urgPtr() {
        return u16(18);
    }

    /** Sets the urgent pointer. */
    public void setUrgPtr(int v) {
        put16(18, v, "urgent pointer");
    }

    /**
     * The option bytes (20 up to 4 × data offset) as a slice sharing the buffer: writes go to the
     * packet. Clamped to the buffer limit (a packet's buffer ends where the packet ends).
     */
    public ByteBuffer options() {
        return slice(MIN_LENGTH, headerLength() - MIN_LENGTH);
    }
}
