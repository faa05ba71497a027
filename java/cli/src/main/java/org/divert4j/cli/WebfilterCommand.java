package org.divert4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.divert4j.abi.Layer;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.Packet;
import org.divert4j.packet.header.TcpHeader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/**
 * {@code divert4j webfilter}: block plain-HTTP requests to listed hosts (WinDivert's webfilter):
 * the server gets a reset, the browser a "403 blocked" page; other requests pass unchanged.
 */
@Command(name = "webfilter", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j webfilter example.com ads.example.net",
        description = "Block HTTP (port 80) requests whose Host is listed (or a subdomain of a listed host).")
final class WebfilterCommand extends HandleCommand {
    static final String FILTER = "outbound and tcp.DstPort == 80 and tcp.PayloadLength > 0";

    @Option(names = "--list", paramLabel = "FILE", description = "file with one host per line (# comments)")
    Path list;

    @Parameters(paramLabel = "HOST", arity = "0..*", description = "hosts to block")
    List<String> hosts;

    private final Set<String> blocked = new LinkedHashSet<>();

    @Override
    void validate() {
        if (hosts != null) {
            hosts.forEach(h -> blocked.add(normalise(h)));
        }
        if (list != null) {
            try {
                for (String line : Files.readAllLines(list, StandardCharsets.UTF_8)) {
                    String h = line.replaceFirst("#.*", "").trim();
                    if (!h.isEmpty()) {
                        blocked.add(normalise(h));
                    }
                }
            } catch (IOException e) {
                throw new InvalidInputException("cannot read --list " + list + ": " + e.getMessage());
            }
        }
        if (blocked.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "give at least one HOST or --list FILE");
        }
    }

    private static String normalise(String host) {
        return host.trim().toLowerCase(Locale.ROOT).replaceFirst("\\.$", "");
    }

    @Override
    DivertHandle open() {
        return handleOptions.builder(spec, FILTER, Layer.NETWORK).open();
    }

    @Override
    void run(DivertHandle handle) {
        for (DivertPacket p : handle) {
            stats.packet(p);
            Optional<String> host = host(p);
            if (host.isPresent() && isBlocked(host.get())) {
                stats.drops.incrementAndGet();
                Responses.tcpResetForward(p).ifPresent(handle::send);
                Responses.tcpReply(p, Responses.blockPage(host.get()), TcpHeader.ACK | TcpHeader.PSH | TcpHeader.FIN)
                        .ifPresent(handle::send);
                stats.injected.addAndGet(2);
                out().println("blocked " + host.get() + " " + Describe.line(p, handle::toEpochNanos, false));
            } else {
                handle.send(p);
                stats.injected.incrementAndGet();
            }
        }
    }

    boolean isBlocked(String host) {
        String h = normalise(host.replaceFirst(":\\d+$", ""));
        for (String b : blocked) {
            if (h.equals(b) || h.endsWith("." + b)) {
                return true;
            }
        }
        return false;
    }

    /** The Host header of an HTTP request in the packet's TCP payload, if there is one. */
    static Optional<String> host(DivertPacket p) {
        Packet packet = Packet.wrap(p.data());
        byte[] payload = new byte[packet.payloadLength()];
        packet.payload().get(payload);
        String text = new String(payload, StandardCharsets.ISO_8859_1);
        for (String line : text.split("\r\n")) {
            if (line.regionMatches(true, 0, "Host:", 0, 5)) {
                return Optional.of(line.substring(5).trim());
            }
            if (line.isEmpty()) {
                break;
            }
        }
        return Optional.empty();
    }
}
