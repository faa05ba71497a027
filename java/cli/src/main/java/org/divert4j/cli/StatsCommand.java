package org.divert4j.cli;

import org.divert4j.abi.Layer;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import picocli.CommandLine.Command;

/** {@code divert4j stats}: count what a filter matches, without printing each packet. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Count what a filter matches, then print a summary per protocol; traffic is not affected.",
            "Counts packets (or events) and bytes until Ctrl-C or --count.",
            "On a terminal, standard error shows a live count and rate meanwhile."},
        footerHeading = Main.EXAMPLE, footer = "  divert4j stats --count 1000 \"inbound and (tcp or udp)\"")
final class StatsCommand extends CaptureCommand {
    @Override
    void validate(Layer layer) {
        // Only the shared options and the filter, which the compiler checks on open.
    }

    @Override
    void accept(DivertHandle handle, DivertPacket p, LiveCount live) {
        // Counted by the loop; the summary is the output.
    }
}
