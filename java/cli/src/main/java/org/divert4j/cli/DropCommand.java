package org.divert4j.cli;

import org.divert4j.abi.Layer;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code divert4j drop}: divert matching packets and never reinject them. */
@Command(name = "drop", mixinStandardHelpOptions = true,
        description = "Drop the packets a filter matches (until Ctrl-C), counting them.")
final class DropCommand extends HandleCommand {
    @Option(names = "--layer", defaultValue = "NETWORK", paramLabel = "L",
            description = "NETWORK (default) or NETWORK_FORWARD")
    String layer;

    @Option(names = "--quiet", description = "do not print each dropped packet")
    boolean quiet;

    @Parameters(paramLabel = "FILTER", description = "which packets to drop")
    String filter;

    @Override
    void validate() {
        HandleOptions.layer(spec, layer, Layer.NETWORK, Layer.NETWORK_FORWARD);
    }

    @Override
    DivertHandle open() {
        // Diverting (not the DROP flag) so that every dropped packet can be counted and shown.
        return handleOptions.builder(spec, filter, Layer.parse(layer)).open();
    }

    @Override
    void run(DivertHandle handle) {
        for (DivertPacket p : handle) {
            stats.packet(p.length());
            stats.drops.incrementAndGet();
            if (!quiet) {
                out().println("drop " + Describe.text(Describe.fields(p)));
            }
        }
    }
}
