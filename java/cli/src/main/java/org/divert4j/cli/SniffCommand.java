package org.divert4j.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.divert4j.abi.Layer;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.pcapng.PcapngWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code divert4j sniff}: print copies of matching packets or events (WinDivert's netdump). */
@Command(name = "sniff", mixinStandardHelpOptions = true,
        description = {"Print copies of the packets (or events) a filter matches; traffic is not affected.",
            "On a terminal, standard error shows a live count and rate; a summary follows on exit."},
        footerHeading = Main.EXAMPLE,
        footer = {"  divert4j sniff --count 5 \"icmp or icmpv6\"",
            "  divert4j sniff --json --pcapng web.pcapng \"tcp.DstPort == 443\""})
final class SniffCommand extends CaptureCommand {
    @Option(names = "--json", description = "one JSON object per line and packet: address, decoded headers, epochNanos")
    boolean json;

    @Option(names = "--pcapng", paramLabel = "FILE",
            description = "also write the packets to a pcapng file (network layers), direction and interface per packet")
    Path pcapng;

    private PcapngWriter writer;

    @Override
    void validate(Layer l) {
        if (pcapng != null && !l.isNetwork()) {
            throw new ParameterException(spec.commandLine(), "--pcapng needs a network layer, not " + l);
        }
    }

    @Override
    void run(DivertHandle handle) throws Exception {
        try {
            writer = pcapng == null ? null
                    : new PcapngWriter(new BufferedOutputStream(Files.newOutputStream(pcapng)), handle::toEpochNanos);
        } catch (IOException e) {
            throw new InvalidInputException("cannot write --pcapng " + pcapng + ": " + e.getMessage());
        }
        try {
            super.run(handle);
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
    }

    @Override
    void accept(DivertHandle handle, DivertPacket p, LiveCount live) throws IOException {
        live.println(out(), Describe.line(p, handle::toEpochNanos, json));
        if (writer != null) {
            writer.write(ByteBuffer.wrap(p.data(), 0, p.length()), p.address());
        }
    }
}
