package org.divert4j.cli;

import java.util.Optional;
import org.divert4j.api.DivertException;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.Packet;
import picocli.CommandLine.Command;

/**
 * {@code divert4j block}: block matching traffic and tell the sender (WinDivert's netfilter):
 * TCP gets a reset, other protocols an ICMP/ICMPv6 "unreachable", ICMP itself is dropped.
 */
@Command(name = "block", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j block \"outbound and tcp.DstPort == 25\"",
        description = {"Block the packets a filter matches and answer the sender:",
            "TCP -> reset, UDP and others -> ICMP/ICMPv6 unreachable, ICMP -> silently dropped."})
final class BlockCommand extends PacketFilterCommand {
    @Override
    void run(DivertHandle handle) {
        for (DivertPacket p : handle) {
            stats.packet(p);
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
                out().println(how + " " + Describe.line(p, handle::toEpochNanos, false));
            }
        }
    }
}
