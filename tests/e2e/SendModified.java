import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.divert4j.abi.Layer;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.Packet;

/**
 * End-to-end helper: diverts one packet matching FILTER, modifies it the way a new user would
 * and sends it back with a plain {@code send(p)} (no option), printing "ready" once open and
 * "sent" at the end. MODE poke: the first payload byte becomes 'X' through a view of
 * {@code p.data()} (checksums left stale). MODE grow: the payload becomes TEXT through
 * {@code p.packet()}, which moves the packet to a larger buffer.
 * Usage: SendModified poke|grow FILTER [TEXT]
 */
public final class SendModified {
    public static void main(String[] args) {
        try (DivertHandle h = DivertHandle.builder().filter(args[1]).layer(Layer.NETWORK).open()) {
            System.out.println("ready");
            System.out.flush();
            DivertPacket p = h.recv();
            if (args[0].equals("poke")) {
                Packet.wrap(p.data()).payload().put(0, (byte) 'X');
            } else {
                p.packet().setPayload(ByteBuffer.wrap(args[2].getBytes(StandardCharsets.US_ASCII)));
            }
            h.send(p);
            System.out.println("sent");
        }
    }
}
