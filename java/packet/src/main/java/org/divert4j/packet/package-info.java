/**
 * WinDivert's packet helpers (docs/spec/helpers.md), in Java.
 *
 * <ul>
 *   <li>{@link org.divert4j.packet.Packet}: one IP packet in a heap or direct buffer, with lazy
 *       mutable header views ({@link org.divert4j.packet.header}), {@code validate()},
 *       checksums (skipped ones named by {@link org.divert4j.packet.ChecksumOption}), TTL
 *       decrement, the packet hash, payload replacement with length and checksum fix-up, and
 *       batch parsing.</li>
 *   <li>{@link org.divert4j.packet.PacketParser} / {@link org.divert4j.packet.Decomposition}:
 *       the single decomposition (docs/spec/helpers.md §3.1) everything else builds on.</li>
 *   <li>{@link org.divert4j.packet.Checksums}, {@link org.divert4j.packet.PacketHash}: §4 and
 *       §7.</li>
 *   <li>{@link org.divert4j.packet.IpAddresses}: address text parse/format (§6) and
 *       {@link java.net.InetAddress} conversion; {@link org.divert4j.packet.Hex}: hex text.</li>
 *   <li>{@link org.divert4j.packet.pcapng}: writing packets with their address records as
 *       pcapng.</li>
 * </ul>
 */
package org.divert4j.packet;
