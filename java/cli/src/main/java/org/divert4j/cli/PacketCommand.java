package org.divert4j.cli;

import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import org.divert4j.packet.Hex;
import org.divert4j.packet.PacketHash;
import org.divert4j.packet.PacketParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code divert4j packet ...}: packet helpers on hex input. */
@Command(name = "packet", mixinStandardHelpOptions = true,
        description = "Parse, checksum and hash IP packets given as hex.",
        subcommands = {PacketCommand.Hash.class})
final class PacketCommand {

    /** Decodes hex input, failing with exit status 1 and the position of a bad character. */
    static byte[] decodeHex(String hex) {
        try {
            return Hex.decode(hex);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    @Command(name = "hash", mixinStandardHelpOptions = true,
            description = "Print WinDivert's 64-bit packet hash (unsigned decimal).")
    static final class Hash implements Callable<Integer> {
        @Option(names = "--seed", description = "hash seed (unsigned 64-bit or negative), default 0",
                defaultValue = "0")
        String seed;

        @Parameters(paramLabel = "HEX", description = "the IP packet as hex")
        String hex;

        @Override
        public Integer call() {
            long s;
            try {
                s = seed.startsWith("-") ? Long.parseLong(seed) : Long.parseUnsignedLong(seed);
            } catch (NumberFormatException e) {
                throw new InvalidInputException("bad --seed '" + seed + "': expected a 64-bit integer");
            }
            ByteBuffer b = ByteBuffer.wrap(decodeHex(hex));
            if (PacketParser.decompose(b).isEmpty()) {
                throw new InvalidInputException("not an IPv4 or IPv6 packet");
            }
            System.out.println(Long.toUnsignedString(PacketHash.hashPacket(b, 0, b.remaining(), s)));
            return 0;
        }
    }
}
