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
     * @param buf the buffer the header lives in
     * @param offset absolute index of the header's first byte in {@code buf}
     * @param onWrite run after every write (may be null)
     */
    public TcpHeader(ByteBuffer buf, int offset, Runnable onWrite) {
        super(buf, offset, onWrite);
    }

    /** {@return source port} */
    public int srcPort() {
        return u16(0);
    }

    /**
     * Sets the source port.
     *
     * @param v the new value, 0 … 65535
     */
    public void setSrcPort(int v) {
        put16(0, v, "source port");
    }

    /** {@return destination port} */
    public int dstPort() {
        return u16(2);
    }

    /**
     * Sets the destination port.
     *
     * @param v the new value, 0 … 65535
     */
    public void setDstPort(int v) {
        put16(2, v, "destination port");
    }

    /** {@return sequence number (unsigned 32-bit)} */
    public long seqNum() {
        return u32(4);
    }

    /**
     * Sets the sequence number.
     *
     * @param v the new value, 0 … 2³² − 1
     */
    public void setSeqNum(long v) {
        put32(4, v, "sequence number");
    }

    /** {@return acknowledgement number (unsigned 32-bit)} */
    public long ackNum() {
        return u32(8);
    }

    /**
     * Sets the acknowledgement number.
     *
     * @param v the new value, 0 … 2³² − 1
     */
    public void setAckNum(long v) {
        put32(8, v, "acknowledgement number");
    }

    /** {@return data offset: the header length in 32-bit words (high nibble of byte 12)} */
    public int dataOffset() {
        return u8(12) >>> 4;
    }

    /**
     * Sets the data offset (0–15 words).
     *
     * @param words the new value, 0 … 15
     */
    public void setDataOffset(int words) {
        check(words, 0xF, "data offset");
        putBits(12, 0xF0, words << 4);
    }

    /** {@return the header length in bytes as the data offset states it: 4 × data offset} */
    public int headerLength() {
        return dataOffset() * 4;
    }

    /** {@return the reserved low nibble of byte 12} */
    public int reserved1() {
        return u8(12) & 0x0F;
    }

    /**
     * Sets the reserved low nibble of byte 12 (0–15).
     *
     * @param v the new value, 0 … 15
     */
    public void setReserved1(int v) {
        check(v, 0xF, "reserved");
        putBits(12, 0x0F, v);
    }

    /** {@return the reserved top two bits of byte 13 (as a value 0–3)} */
    public int reserved2() {
        return u8(13) >>> 6;
    }

    /**
     * Sets the reserved top two bits of byte 13 (0–3).
     *
     * @param v the new value, 0 … 3
     */
    public void setReserved2(int v) {
        check(v, 0x3, "reserved");
        putBits(13, 0xC0, v << 6);
    }

    /** {@return the whole flags byte 13 (see {@link #FIN} … {@link #URG}; 0xC0 = reserved)} */
    public int flags() {
        return u8(13);
    }

    /**
     * Sets the whole flags byte 13.
     *
     * @param v the new value, 0 … 255
     */
    public void setFlags(int v) {
        put8(13, v, "flags");
    }

    /** {@return FIN} */
    public boolean fin() {
        return bit(13, FIN);
    }

    /**
     * Sets FIN.
     *
     * @param on true to set it, false to clear it
     */
    public void setFin(boolean on) {
        putFlag(13, FIN, on);
    }

    /** {@return SYN} */
    public boolean syn() {
        return bit(13, SYN);
    }

    /**
     * Sets SYN.
     *
     * @param on true to set it, false to clear it
     */
    public void setSyn(boolean on) {
        putFlag(13, SYN, on);
    }

    /** {@return RST} */
    public boolean rst() {
        return bit(13, RST);
    }

    /**
     * Sets RST.
     *
     * @param on true to set it, false to clear it
     */
    public void setRst(boolean on) {
        putFlag(13, RST, on);
    }

    /** {@return PSH} */
    public boolean psh() {
        return bit(13, PSH);
    }

    /**
     * Sets PSH.
     *
     * @param on true to set it, false to clear it
     */
    public void setPsh(boolean on) {
        putFlag(13, PSH, on);
    }

    /** {@return ACK} */
    public boolean ack() {
        return bit(13, ACK);
    }

    /**
     * Sets ACK.
     *
     * @param on true to set it, false to clear it
     */
    public void setAck(boolean on) {
        putFlag(13, ACK, on);
    }

    /** {@return URG} */
    public boolean urg() {
        return bit(13, URG);
    }

    /**
     * Sets URG.
     *
     * @param on true to set it, false to clear it
     */
    public void setUrg(boolean on) {
        putFlag(13, URG, on);
    }

    /** {@return the window} */
    public int window() {
        return u16(14);
    }

    /**
     * Sets the window.
     *
     * @param v the new value, 0 … 65535
     */
    public void setWindow(int v) {
        put16(14, v, "window");
    }

    /** {@return the checksum as stored} */
    public int checksum() {
        return u16(16);
    }

    /**
     * Stores a checksum.
     *
     * @param v the new value, 0 … 65535
     */
    public void setChecksum(int v) {
        put16(16, v, "checksum");
    }

    /** {@return the urgent pointer} */
    public int urgPtr() {
        return u16(18);
    }

    /**
     * Sets the urgent pointer.
     *
     * @param v the new value, 0 … 65535
     */
    public void setUrgPtr(int v) {
        put16(18, v, "urgent pointer");
    }

    /**
     * {@return the option bytes (20 up to 4 × data offset) as a slice sharing the buffer: writes go
     * to the packet} Clamped to the buffer limit (a packet's buffer ends where the packet ends).
     */
    public ByteBuffer options() {
        return slice(MIN_LENGTH, headerLength() - MIN_LENGTH);
    }
}
