import org.divert4j.abi.Layer;
import org.divert4j.abi.OpenFlag;
import org.divert4j.abi.Param;
import org.divert4j.abi.Shutdown;
import org.divert4j.api.DivertException;
import org.divert4j.api.DivertHandle;

/**
 * End-to-end helper: a sniffing handle with QUEUE_LENGTH LENGTH that does not read until told
 * (a line on stdin), then shuts down receiving and drains its queue, printing the UDP payload
 * of the oldest packet left ("first TEXT") and "received N".
 * Usage: QueueOverflow FILTER LENGTH
 */
public final class QueueOverflow {
    public static void main(String[] args) throws Exception {
        try (DivertHandle h = DivertHandle.builder().filter(args[0]).layer(Layer.NETWORK)
                .flags(OpenFlag.SNIFF, OpenFlag.RECV_ONLY).open()) {
            h.setParam(Param.QUEUE_LENGTH, Long.parseLong(args[1]));
            System.out.println("ready");
            System.out.flush();
            System.in.read();
            h.shutdown(Shutdown.RECV);
            int n = 0;
            try {
                while (true) {
                    byte[] d = h.recv().data();
                    if (n++ == 0) {
                        int ipHeader = (d[0] >> 4) == 4 ? (d[0] & 0x0F) * 4 : 40;
                        System.out.println("first " + new String(d, ipHeader + 8, d.length - ipHeader - 8,
                                java.nio.charset.StandardCharsets.US_ASCII));
                    }
                }
            } catch (DivertException.NoDataException e) {
                System.out.println("received " + n);
            }
        }
    }
}
