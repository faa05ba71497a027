package org.divert4j.cli;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.divert4j.packet.Decomposition;
import org.divert4j.packet.Hex;
import org.divert4j.packet.Packet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code divert4j packet parse}: every header field of a hex packet, as JSON. */
@Command(name = "parse", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j packet parse 4500001c0001000040110000c0a80001c0a8000204d2162e00080000",
        description = "Print every header field of the packet, the payload and what is malformed, as JSON.")
final class PacketParseCommand implements Callable<Integer> {
    @Parameters(paramLabel = "HEX", description = "the IP packet as hex")
    String hex;

    @Override
    public Integer call() {
        System.out.println(JsonOut.render(describe(HexInput.ipPacket(hex))));
        return 0;
    }

    /** Every header field of an IP packet as an ordered JSON object. */
    private static Map<String, Object> describe(Packet p) {
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
