package org.divert4j.cli;

import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import picocli.CommandLine.Command;

/** {@code divert4j drop}: divert matching packets and never reinject them. */
@Command(name = "drop", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j drop --quiet \"outbound and udp.DstPort == 53\"",
        description = "Drop the packets a filter matches (until Ctrl-C), counting them.")
final class DropCommand extends PacketFilterCommand {
    @Override
    void run(DivertHandle handle) {
        for (DivertPacket p : handle) {
            stats.packet(p);
            stats.drops.incrementAndGet();
            if (!quiet) {
                out().println("drop " + Describe.line(p, handle::toEpochNanos, false));
            }
        }
    }
}
