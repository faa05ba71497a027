package org.divert4j.cli;

import org.divert4j.abi.Layer;
import org.divert4j.abi.OpenFlag;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/**
 * A command that receives copies of what a filter matches without affecting traffic (SNIFF,
 * RECV_ONLY) until Ctrl-C or {@code --count}, showing a live count on a terminal
 * ({@code sniff}, {@code stats}).
 */
abstract class CaptureCommand extends HandleCommand {
    @Option(names = "--layer", defaultValue = "NETWORK", paramLabel = "L",
            description = "NETWORK (default), NETWORK_FORWARD or REFLECT; FLOW or SOCKET on Windows")
    String layer;

    @Option(names = "--count", paramLabel = "N", description = "stop after N packets (default: until Ctrl-C)")
    Long count;

    @Parameters(paramLabel = "FILTER", defaultValue = "true", description = "filter (default: true)")
    String filter;

    /** The command's own checks, after the shared ones. */
    abstract void validate(Layer layer);

    /** What to do with each packet; {@code live} keeps printed lines clear of the live count. */
    abstract void accept(DivertHandle handle, DivertPacket p, LiveCount live) throws Exception;

    @Override
    final void validate() {
        Layer l = HandleOptions.layer(spec, layer, Layer.values());
        if (count != null && count < 1) {
            throw new ParameterException(spec.commandLine(), "--count must be at least 1: " + count);
        }
        validate(l);
    }

    @Override
    final DivertHandle open() {
        return handleOptions.builder(spec, filter, Layer.parse(layer), OpenFlag.SNIFF, OpenFlag.RECV_ONLY).open();
    }

    @Override
    void run(DivertHandle handle) throws Exception {
        try (LiveCount live = LiveCount.start(spec.name(), stats, spec.commandLine().getErr())) {
            for (DivertPacket p : handle) {
                stats.packet(p);
                accept(handle, p, live);
                if (count != null && stats.packets.get() >= count) {
                    break;
                }
            }
        }
    }
}
