import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Echo peer for tests/e2e/packet-capture.sh, run inside a network namespace: answers each TCP line
 * on port args[0] and each UDP datagram on port args[1] (IPv4 and IPv6), so the kernel sends
 * TCP and UDP segments with payload whose checksums the capture then checks. Prints "ready"
 * once both sockets are bound; runs until killed.
 */
public final class Responder {
    public static void main(String[] args) throws Exception {
        ServerSocket tcp = new ServerSocket();
        tcp.bind(new InetSocketAddress(InetAddress.getByName("::"), Integer.parseInt(args[0])));
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::"), Integer.parseInt(args[1])));
        Thread udpLoop = new Thread(() -> {
            byte[] buf = new byte[2048];
            while (true) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    udp.receive(p);
                    byte[] reply = ("echo " + new String(buf, 0, p.getLength(), StandardCharsets.US_ASCII))
                            .getBytes(StandardCharsets.US_ASCII);
                    udp.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                } catch (Exception e) {
                    e.printStackTrace();
                    return;
                }
            }
        });
        udpLoop.setDaemon(true);
        udpLoop.start();
        System.out.println("ready");
        System.out.flush();
        while (true) {
            try (Socket s = tcp.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                String line = in.readLine();
                OutputStream out = s.getOutputStream();
                out.write(("echo " + line + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        }
    }
}
