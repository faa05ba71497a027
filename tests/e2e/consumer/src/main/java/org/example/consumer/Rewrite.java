package org.example.consumer;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.Packet;

/**
 * A library user's sniff-modify-reinject program, built against the installed artifacts.
 *
 * <ul>
 *   <li>{@code recv PORT N}: receives N UDP datagrams on PORT and prints each payload on a line.
 *   <li>{@code rewrite HOST PORT WORD...}: diverts its own outbound UDP to HOST:PORT, sends each
 *       WORD as one datagram, and for every diverted packet upper-cases the payload in place,
 *       re-injects it with checksums recomputed and prints "rewrote WORD".
 * </ul>
 */
public final class Rewrite {
    private Rewrite() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 3 && args[0].equals("recv")) {
            receive(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        } else if (args.length >= 4 && args[0].equals("rewrite")) {
            rewrite(InetAddress.getByName(args[1]), Integer.parseInt(args[2]),
                    java.util.Arrays.copyOfRange(args, 3, args.length));
        } else {
            System.err.println("usage: recv PORT N | rewrite HOST PORT WORD...");
            System.exit(2);
        }
    }

    private static void receive(int port, int n) throws Exception {
        try (DatagramSocket s = new DatagramSocket(port)) {
            s.setSoTimeout(10_000);
            System.out.println("listening");
            System.out.flush();
            byte[] buf = new byte[2048];
            for (int i = 0; i < n; i++) {
                DatagramPacket d = new DatagramPacket(buf, buf.length);
                s.receive(d);
                System.out.println(new String(d.getData(), 0, d.getLength(), StandardCharsets.US_ASCII));
                System.out.flush();
            }
        }
    }

    private static void rewrite(InetAddress host, int port, String[] words) throws Exception {
        String filter = "outbound and udp.DstPort == " + port;
        try (DivertHandle h = DivertHandle.builder().filter(filter).open();
             DatagramSocket s = new DatagramSocket()) {
            for (String w : words) {
                byte[] b = w.getBytes(StandardCharsets.US_ASCII);
                s.send(new DatagramPacket(b, b.length, new InetSocketAddress(host, port)));
                DivertPacket p = h.recv();
                Packet pkt = Packet.wrap(p.data());
                ByteBuffer payload = pkt.payload();
                String text = StandardCharsets.US_ASCII.decode(payload.duplicate()).toString();
                payload.put(0, text.toUpperCase().getBytes(StandardCharsets.US_ASCII));
                h.send(p, DivertHandle.SendOption.RECOMPUTE_CHECKSUMS);
                System.out.println("rewrote " + text);
            }
        }
    }
}
