package org.divert4j.cli;

import java.util.concurrent.Callable;
import org.divert4j.packet.ChecksumResult;
import org.divert4j.packet.Packet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code divert4j packet checksum}: a hex packet with its checksums recomputed. */
@Command(name = "checksum", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j packet checksum 4500001c0001000040110000c0a80001c0a8000204d2162e00080000",
        description = "Print the packet with every checksum recomputed (WinDivertHelperCalcChecksums), as hex. "
                + "Checksums WinDivert does not compute (fragments, truncated packets) stay as they are.")
final class PacketChecksumCommand implements Callable<Integer> {
    @Parameters(paramLabel = "HEX", description = "the IP packet as hex")
    String hex;

    @Override
    public Integer call() {
        Packet p = HexInput.ipPacket(hex);
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
