import java.nio.charset.StandardCharsets;
import org.divert4j.abi.Layer;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;

/**
 * End-to-end helper (run as a single-file program against the CLI jar): diverts COUNT packets
 * matching FILTER, upper-cases their UDP payload (IPv4 or IPv6, no extension headers), sends
 * them back with a plain send (checksums recomputed by default), prints "ready" once open and "rewrote N" at the end.
 * Usage: UdpRewrite FILTER COUNT
 */
public final class UdpRewrite {
    public static void main(String[] args) {
        int count = Integer.parseInt(args[1]);
        try (DivertHandle h = DivertHandle.builder().filter(args[0]).layer(Layer.NETWORK).open()) {
            System.out.println("ready");
            System.out.flush();
            for (int i = 0; i < count; i++) {
                DivertPacket p = h.recv();
                byte[] d = p.data();
                int ipHeader = (d[0] >> 4) == 4 ? (d[0] & 0x0F) * 4 : 40;
                String text = new String(d, ipHeader + 8, d.length - ipHeader - 8, StandardCharsets.US_ASCII);
                byte[] upper = text.toUpperCase().getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(upper, 0, d, ipHeader + 8, upper.length);
                h.send(p);
            }
            System.out.println("rewrote " + count);
        }
    }
}
