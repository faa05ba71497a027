package org.divert4j.cli;

import org.divert4j.abi.Layer;
import picocli.CommandLine.Option;

/** The {@code --layer} option of the {@code filter} commands: any layer, NETWORK by default. */
final class LayerOption {
    @Option(names = "--layer", defaultValue = "NETWORK", converter = LayerConverter.class,
            description = "NETWORK (default), NETWORK_FORWARD, FLOW, SOCKET, REFLECT")
    Layer layer;
}
