package org.divert4j.cli;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.divert4j.packet.ChecksumResult;
import org.divert4j.packet.Decomposition;
import org.divert4j.packet.Hex;
import org.divert4j.packet.Packet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code divert4j packet ...}: packet helpers on hex input. */
@Command(name = "packet", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j packet parse 4500001c0001000040110000c0a80001c0a8000204d2162e00080000",
        description = "Parse, checksum and hash IP packets given as hex.",
        subcommands = {PacketCommand.Parse.class, PacketCommand.Checksum.class, PacketCommand.Hash.class})
final class PacketCommand {

    /** Decodes hex input, failing with exit status 1 and the position of a bad character. */
    static byte[] decodeHex(String hex) {
        try {
            return Hex.decode(hex);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    /** The packet in the hex text; exit status 1 if it is not an IPv4 or IPv6 packet. */
    static Packet ipPacket(String hex) {
        Packet p = Packet.wrap(decodeHex(hex));
        if (!p.isIp()) {
            throw new InvalidInputException(String.join("; ", p.validate()));
        }
        return p;
    }

    @Command(name = "parse", mixinStandardHelpOptions = true,
            footerHeading = Main.EXAMPLE, footer = "  divert4j packet parse 4500001c0001000040110000c0a80001c0a8000204d2162e00080000",
            description = "Print every header field of the packet, the payload and what is malformed, as JSON.")
    static final class Parse implements Callable<Integer> {
        @Parameters(paramLabel = "HEX", description = "the IP packet as hex")
        String hex;

        @Override
        public Integer call() {
            System.out.println(JsonOut.render(describe(ipPacket(hex))));
            return 0;
        }
    }

    @Command(name = "checksum", mixinStandardHelpOptions = true,
            footerHeading = Main.EXAMPLE, footer = "  divert4j packet checksum 4500001c0001000040110000c0a80001c0a8000204d2162e00080000",
            description = "Print the packet with every checksum recomputed (WinDivertHelperCalcChecksums), as hex. "
                    + "Checksums WinDivert does not compute (fragments, truncated packets) stay as they are.")
    static final class Checksum implements Callable<Integer> {
        @Parameters(paramLabel = "HEX", description = "the IP packet as hex")
        String hex;

        @Override
        public Integer call() {
            Packet p = ipPacket(hex);
            ChecksumResult r = p.recalculateChecksums(0);
            if (!r.ok()) {
                System.err.println("divert4j: note: the transport checksum was not computed ("
                        + (p.decomposition().orElseThrow().truncated() ? "truncated packet" : "fragment or clamped header")
                        + ")");
            }
            System.out.println(p.toHex());
            return 0;
        }
    }

    @Command(name = "hash", mixinStandardHelpOptions = true,
            footerHeading = Main.EXAMPLE, footer = "  divert4j packet hash --seed 12345 4500001c0001000040110000c0a80001c0a8000204d2162e00080000",
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
            System.out.println(Long.toUnsignedString(ipPacket(hex).hash(s)));
            return 0;
        }
    }

    /** Every header field of an IP packet as an ordered JSON object. */
    static Map<String, Object> describe(Packet p) {
        Decomposition d = p.decomposition().orElseThrow();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("length", p.length());
        out.putAll(Headers.of(p));
        out.put("protocol", d.protocol());
        out.put("headerLength", d.headerLength());
        out.put("payloadLength", d.payloadLength());
        ByteBuffer payload = p.payload();
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        out.put("payload", Hex.encode(bytes));
        out.put("fragment", d.fragment());
        out.put("truncated", d.truncated());
        out.put("extended", d.extended());
        out.put("checksumsValid", p.checksumsValid());
        out.put("hash", Long.toUnsignedString(p.hash(0)));
        out.put("malformed", new ArrayList<Object>(p.validate()));
        return out;
    }
}
