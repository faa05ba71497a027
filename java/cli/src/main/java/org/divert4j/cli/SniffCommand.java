package org.divert4j.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.divert4j.abi.Layer;
import org.divert4j.abi.OpenFlag;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.pcapng.PcapngWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/** {@code divert4j sniff}: print copies of matching packets or events (WinDivert's netdump). */
@Command(name = "sniff", mixinStandardHelpOptions = true,
        description = "Print copies of the packets (or events) a filter matches; traffic is not affected.")
final class SniffCommand extends HandleCommand {
    @Option(names = "--layer", defaultValue = "NETWORK", paramLabel = "L",
            description = "NETWORK (default), NETWORK_FORWARD, FLOW, SOCKET or REFLECT")
    String layer;

    @Option(names = "--count", paramLabel = "N", description = "stop after N packets (default: until Ctrl-C)")
    Long count;

    @Option(names = "--json", description = "one JSON object per packet")
    boolean json;

    @Option(names = "--pcapng", paramLabel = "FILE", description = "also write the packets to a pcapng file (network layers)")
    Path pcapng;

    @Parameters(paramLabel = "FILTER", defaultValue = "true", description = "filter (default: true)")
    String filter;

    @Override
    void validate() {
        Layer l = HandleOptions.layer(spec, layer, Layer.values());
        if (pcapng != null && !l.isNetwork()) {
            throw new ParameterException(spec.commandLine(), "--pcapng needs a network layer, not " + l);
        }
        if (count != null && count < 1) {
            throw new ParameterException(spec.commandLine(), "--count must be at least 1: " + count);
        }
    }

    @Override
    DivertHandle open() {
        return handleOptions.builder(spec, filter, Layer.parse(layer), OpenFlag.SNIFF, OpenFlag.RECV_ONLY).open();
    }

    @Override
    void run(DivertHandle handle) throws IOException {
        PcapngWriter writer;
        try {
            writer = pcapng == null ? null
                    : new PcapngWriter(new BufferedOutputStream(Files.newOutputStream(pcapng)), handle::toEpochNanos);
        } catch (IOException e) {
            throw new InvalidInputException("cannot write --pcapng " + pcapng + ": " + e.getMessage());
        }
        try {
            for (DivertPacket p : handle) {
                stats.packet(p.length());
                var f = Describe.fields(p);
                out().println(json ? Describe.json(f) : Describe.text(f));
                if (writer != null) {
                    writer.write(ByteBuffer.wrap(p.data()), p.address());
                }
                if (count != null && stats.packets.get() >= count) {
                    break;
                }
            }
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
    }
}
