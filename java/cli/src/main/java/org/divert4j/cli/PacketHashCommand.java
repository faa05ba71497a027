package org.divert4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code divert4j packet hash}: WinDivert's packet hash of a hex packet. */
@Command(name = "hash", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j packet hash --seed 12345 4500001c0001000040110000c0a80001c0a8000204d2162e00080000",
        description = "Print WinDivert's 64-bit packet hash (unsigned decimal).")
final class PacketHashCommand implements Callable<Integer> {
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
        System.out.println(Long.toUnsignedString(HexInput.ipPacket(hex).hash(s)));
        return 0;
    }
}
