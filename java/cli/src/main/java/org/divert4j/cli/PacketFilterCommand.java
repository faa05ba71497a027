package org.divert4j.cli;

import org.divert4j.abi.Layer;
import org.divert4j.api.DivertHandle;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A command that diverts the packets a filter matches at NETWORK or NETWORK_FORWARD and
 * reports each one unless {@code --quiet} ({@code drop}, {@code block}).
 */
abstract class PacketFilterCommand extends HandleCommand {
    @Option(names = "--layer", defaultValue = "NETWORK", paramLabel = "L",
            description = "NETWORK (default) or NETWORK_FORWARD")
    String layer;

    @Option(names = "--quiet", description = "do not print each handled packet")
    boolean quiet;

    @Parameters(paramLabel = "FILTER", description = "which packets to handle")
    String filter;

    @Override
    final void validate() {
        HandleOptions.layer(spec, layer, Layer.NETWORK, Layer.NETWORK_FORWARD);
    }

    @Override
    final DivertHandle open() {
        // Diverting (not the DROP flag) so that every handled packet can be counted and shown.
        return handleOptions.builder(spec, filter, Layer.parse(layer)).open();
    }
}
