package org.divert4j.filter.compiler;

import static com.google.common.truth.Truth.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.divert4j.abi.Layer;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.FilterWarning;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: the lint on filters in the shapes real WinDivert tools ship
 * ({@code lint/real-world-filters.txt}) prints exactly the warnings listed here, each one a
 * trap that changes what the filter matches.
 */
class LintRealWorldTest {
    private static final String CORPUS = "/lint/real-world-filters.txt";

    /** "FILTER: warning at N: MESSAGE" for every warning, in corpus order. */
    private static List<String> printed() throws IOException, FilterException {
        List<String> out = new ArrayList<>();
        try (InputStream in = LintRealWorldTest.class.getResourceAsStream(CORPUS);
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int space = line.indexOf(' ');
                String filter = line.substring(space + 1);
                for (FilterWarning w : FilterCompiler.compile(filter, Layer.parse(line.substring(0, space))).warnings()) {
                    out.add(filter + ": " + w);
                }
            }
        }
        return out;
    }

    @Test
    void corpusPrintsOnlyRealTraps() throws IOException, FilterException {
        String notTcp = "'not' does not match packets without a tcp header; the test is false there like every"
                + " test on ";
        List<String> expected = List.of(
                // A UDP or ICMP packet fails it: 'not tcp.DstPort == 80' is not 'not (tcp and ...)'.
                "not tcp.DstPort == 80: warning at 0: 'not tcp.DstPort == 80': " + notTcp + "tcp.DstPort;"
                        + " add 'not tcp or ...' to include them",
                // Every outbound UDP packet fails '!tcp.Syn'.
                "outbound and !tcp.Syn: warning at 13: '!tcp.Syn': " + notTcp + "tcp.Syn; add 'not tcp or ...'"
                        + " to include them",
                // QUIC (udp.DstPort == 443) never gets past '!tcp.Syn'.
                "(tcp.DstPort == 443 or udp.DstPort == 443) and !tcp.Syn: warning at 47: '!tcp.Syn': " + notTcp
                        + "tcp.Syn; add 'not tcp or ...' to include them",
                // Folded to 'not tcp': matches every UDP, ICMP... packet instead of none.
                "tcp.DstPort > 65535: warning at 0: 'tcp.DstPort > 65535' can never hold for tcp packets, so"
                        + " WinDivert compiles it to 'not tcp', which matches every packet that is not tcp",
                // 192.168.1.1 written as a plain integer lies below ::ffff:0.0.0.0: matches all IPv6.
                "ip.SrcAddr == 3232235777: warning at 0: 'ip.SrcAddr == 3232235777' can never hold for ip"
                        + " packets, so WinDivert compiles it to 'not ip', which matches every packet that is not ip",
                // The real flow label 0x12345 is seen as 0x23450100: no packet with it matches.
                "ipv6.FlowLabel == 0x12345: warning at 0: 'ipv6.FlowLabel == 0x12345': ipv6.FlowLabel is not the"
                        + " real flow label; WinDivert reads (byte2 << 24) | (byte3 << 16) | ((byte1 & 0x0F) << 8)"
                        + " of the IPv6 header, so a flow label of 5 is seen as 0x50000 and constants above 0xFFFFF"
                        + " are folded away",
                // No UDP payload reaches byte 65530: the filter matches nothing.
                "udp.Payload[65530] == 1: warning at 0: 'udp.Payload[65530] == 1': no packet has a payload of"
                        + " 65531 bytes (at most 65527), so the test is always false",
                // A ClientHello split after 1 to 5 bytes fails 'not tcp.Payload[5] == 0x02' too.
                "outbound and tcp.DstPort == 443 and tcp.Payload[0] == 0x16 and not tcp.Payload[5] == 0x02:"
                        + " warning at 63: 'not tcp.Payload[5] == 0x02': 'not' does not match packets too short"
                        + " for the index; the test is false there like every test on tcp.Payload");
        assertThat(printed()).containsExactlyElementsIn(expected).inOrder();
    }
}
