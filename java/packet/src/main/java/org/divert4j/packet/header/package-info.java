/**
 * Mutable views of the IP, IPv6 extension, ICMP, ICMPv6, TCP and UDP headers inside a
 * {@link java.nio.ByteBuffer} (layouts: docs/spec/helpers.md §1). A view reads and writes the buffer in
 * place with absolute indexing (the buffer's position and limit are never changed); values are
 * host-order Java integers. Views are normally obtained from {@link org.divert4j.packet.Packet},
 * which only hands out a view when the whole header is present.
 */
package org.divert4j.packet.header;
