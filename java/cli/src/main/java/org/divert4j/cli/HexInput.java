package org.divert4j.cli;

import org.divert4j.packet.Hex;
import org.divert4j.packet.Packet;

/** A packet given on the command line as hex. */
final class HexInput {
    private HexInput() {
    }

    /** Decodes hex input, failing with exit status 1 and the position of a bad character. */
    private static byte[] decode(String hex) {
        try {
            return Hex.decode(hex);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    /** The packet in the hex text; exit status 1 if it is not an IPv4 or IPv6 packet. */
    static Packet ipPacket(String hex) {
        Packet p = Packet.wrap(decode(hex));
        if (!p.isIp()) {
            throw new InvalidInputException(String.join("; ", p.validate()));
        }
        return p;
    }
}
