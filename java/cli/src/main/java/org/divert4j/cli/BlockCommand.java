package org.divert4j.cli;

import java.util.Optional;
import org.divert4j.abi.Layer;
import org.divert4j.api.DivertException;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.Packet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code divert4j block}: block matching traffic and tell the sender (WinDivert's netfilter):
 * TCP gets a reset, other protocols an ICMP/ICMPv6 "unreachable", ICMP itself is dropped.
 */
@Command(name = "block", mixinStandardHelpOptions = true,
        description = {"Block the packets a filter matches and answer the sender:",
            "TCP -> reset, UDP and others -> ICMP/ICMPv6 unreachable, ICMP -> silently dropped."})
final class BlockCommand extends HandleCommand {
    @Option(names = "--layer", defaultValue = "NETWORK", paramLabel = "L",
            description = "NETWORK (default) or NETWORK_FORWARD")
    String layer;

    @Option(names = "--quiet", description = "do not print each blocked packet")
    boolean quiet;

    @Parameters(paramLabel = "FILTER", description = "which packets to block")
    String filter;

    @Override
    void validate() {
        HandleOptions.layer(spec, layer, Layer.NETWORK, Layer.NETWORK_FORWARD);
    }

    @Override
    DivertHandle open() {
        return handleOptions.builder(spec, filter, Layer.parse(layer)).open();
    }

    @Override
    void run(DivertHandle handle) {
        for (DivertPacket p : handle) {
            stats.packet(p.length());
            stats.drops.incrementAndGet();
            boolean tcp = Packet.wrap(p.data()).tcp().isPresent();
            Optional<DivertPacket> answer = tcp ? Responses.tcpReset(p) : Responses.icmpUnreachable(p);
            String how = answer.isEmpty() ? "drop" : tcp ? "reset" : "unreachable";
            if (answer.isPresent()) {
                try {
                    handle.send(answer.get());
                    stats.injected.incrementAndGet();
                } catch (DivertException.HostUnreachableException e) {
                    how = "drop";
                }
            }
            if (!quiet) {
                out().println(how + " " + Describe.text(Describe.fields(p)));
            }
        }
    }
}
