package org.divert4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.api.DivertException;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.Packet;
import org.divert4j.packet.header.TcpHeader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/**
 * {@code divert4j streamdump}: TCP connections to a port are reflected into a local proxy that
 * prints both directions of each stream (WinDivert's streamdump). Packet rewriting:
 * <ol>
 * <li>client to server (outbound, dst port P): addresses swapped, dst port PROXY, injected
 *     inbound, so the proxy accepts a connection "from" the server address;</li>
 * <li>proxy to client (outbound, src port PROXY): addresses swapped, src port P, injected
 *     inbound, so the client sees the server answer;</li>
 * <li>proxy to server (outbound, dst port ALT): dst port P, so the proxy's own connection is
 *     not reflected again;</li>
 * <li>server to proxy (inbound, src port P): src port ALT.</li>
 * </ol>
 */
@Command(name = "streamdump", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j streamdump 80",
        description = "Relay TCP connections to PORT through a local proxy and print both directions of each stream.")
final class StreamdumpCommand extends HandleCommand {
    @Parameters(paramLabel = "PORT", description = "the server port whose connections are dumped, e.g. 80")
    int port;

    @Option(names = "--proxy-port", defaultValue = "34010", paramLabel = "N", description = "local proxy port (default 34010)")
    int proxyPort;

    @Option(names = "--alt-port", defaultValue = "43010", paramLabel = "N",
            description = "port the proxy's upstream connections use on the wire (default 43010)")
    int altPort;

    private final AtomicLong connections = new AtomicLong();
    private volatile ServerSocket proxy;

    @Override
    void validate() {
        for (int p : new int[] {port, proxyPort, altPort}) {
            if (p < 1 || p > 65535) {
                throw new ParameterException(spec.commandLine(), "ports must be in 1..65535: " + p);
            }
        }
        if (port == proxyPort || port == altPort || proxyPort == altPort) {
            throw new ParameterException(spec.commandLine(), "PORT, --proxy-port and --alt-port must differ");
        }
    }

    /** The filter that sees all four kinds of packets. */
    String filter() {
        return "tcp and ((outbound and (tcp.DstPort == " + port + " or tcp.SrcPort == " + proxyPort
                + " or tcp.DstPort == " + altPort + ")) or (inbound and tcp.SrcPort == " + port + "))";
    }

    @Override
    DivertHandle open() {
        return handleOptions.builder(spec, filter(), Layer.NETWORK).open();
    }

    @Override
    void run(DivertHandle handle) throws IOException {
        proxy = new ServerSocket();
        proxy.bind(new InetSocketAddress(proxyPort));
        Thread acceptor = new Thread(this::accept, "streamdump-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
        try {
            for (DivertPacket p : handle) {
                stats.packet(p);
                Optional<DivertPacket> out = rewrite(p, port, proxyPort, altPort);
                if (out.isEmpty()) {
                    stats.drops.incrementAndGet();
                    continue;
                }
                try {
                    handle.send(out.get());
                    stats.injected.incrementAndGet();
                } catch (DivertException.HostUnreachableException e) {
                    stats.drops.incrementAndGet();
                }
            }
        } finally {
            proxy.close();
            out().println("streamdump: " + connections.get() + " connections relayed");
        }
    }

    /** The rewritten packet, or empty for a packet none of the four rules covers. */
    static Optional<DivertPacket> rewrite(DivertPacket original, int port, int proxyPort, int altPort) {
        byte[] data = original.data().clone();
        Packet p = Packet.wrap(data);
        Optional<TcpHeader> tcp = p.tcp();
        if (tcp.isEmpty()) {
            return Optional.empty();
        }
        TcpHeader t = tcp.get();
        Address a = original.address();
        boolean outbound = a.outbound();
        if (outbound && t.dstPort() == port) {
            swapAddresses(data, p);
            t.setDstPort(proxyPort);
            outbound = false;
        } else if (outbound && t.srcPort() == proxyPort) {
            swapAddresses(data, p);
            t.setSrcPort(port);
            outbound = false;
        } else if (outbound && t.dstPort() == altPort) {
            t.setDstPort(port);
        } else if (!outbound && t.srcPort() == port) {
            t.setSrcPort(altPort);
        } else {
            return Optional.empty();
        }
        Address moved = new Address(a.timestamp(), a.layer(), a.event(), false, outbound, a.loopback(), a.impostor(),
                a.ipv6(), false, false, false, a.data());
        return Optional.of(new DivertPacket(data, Packet.wrap(data).recalculateChecksums(0).applyTo(moved)));
    }

    private static void swapAddresses(byte[] data, Packet p) {
        boolean v6 = p.ipv6().isPresent();
        int src = v6 ? 8 : 12;
        int len = v6 ? 16 : 4;
        ByteBuffer b = ByteBuffer.wrap(data);
        byte[] s = new byte[len];
        b.get(src, s);
        b.put(src, data, src + len, len);
        b.put(src + len, s);
    }

    private void accept() {
        try {
            while (true) {
                Socket client = proxy.accept();
                long id = connections.incrementAndGet();
                Thread t = new Thread(() -> relay(id, client), "streamdump-" + id);
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException e) {
            // The proxy socket was closed: the command is stopping.
        }
    }

    /** The accepted socket's peer is the real server (its address was reflected); connect to it via ALT. */
    private void relay(long id, Socket client) {
        try (client; Socket server = new Socket()) {
            server.connect(new InetSocketAddress(client.getInetAddress(), altPort));
            out().println("[" + id + "] " + client.getInetAddress().getHostAddress() + ":" + port + " connected");
            Thread up = new Thread(() -> pump(id, "client -> server", client, server), "streamdump-" + id + "-up");
            up.setDaemon(true);
            up.start();
            pump(id, "server -> client", server, client);
            up.join();
        } catch (IOException | InterruptedException e) {
            out().println("[" + id + "] " + e.getMessage());
        }
    }

    private void pump(long id, String direction, Socket from, Socket to) {
        byte[] buf = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            OutputStream o = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                o.write(buf, 0, n);
                synchronized (this) {
                    out().println("[" + id + "] " + direction + " " + n + " bytes");
                    out().println(printable(buf, n));
                }
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // One side closed or reset: the other pump ends too.
        }
    }

    /** The bytes as text, non-printable ones (except line breaks) shown as '.'. */
    static String printable(byte[] b, int n) {
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xFF;
            s.append(c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c < 0x7F) ? (char) c : '.');
        }
        return s.toString();
    }
}
