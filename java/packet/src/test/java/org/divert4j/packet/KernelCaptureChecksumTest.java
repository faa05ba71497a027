package org.divert4j.packet;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Checksums against packets whose checksums the Linux kernel computed: tests/e2e/packet-capture.sh
 * (run by tests/run.sh as root) records ICMP, ICMPv6, TCP and UDP over IPv4 and IPv6 between two
 * namespaces with software checksums. Every captured packet must pass {@code checksumsValid()},
 * and zeroing then recalculating its checksums must reproduce the kernel's bytes exactly.
 */
class KernelCaptureChecksumTest {

    static Path capture() {
        Path file = SuitePackets.repoRoot().resolve("target/packet-capture/kernel.pcap");
        if (!Files.isRegularFile(file)) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(file + " is missing: tests/run.sh runs tests/e2e/packet-capture.sh as root first");
            }
            Assumptions.abort("no kernel capture at " + file + " (run tests/e2e/packet-capture.sh " + file + " as root)");
        }
        return file;
    }

    @Test
    void kernelChecksumsAreValidAndReproduced() throws IOException {
        List<byte[]> packets = ipPackets(Files.readAllBytes(capture()));
        Map<String, Integer> kinds = new TreeMap<>();
        for (byte[] bytes : packets) {
            Packet p = Packet.wrap(bytes.clone());
            Decomposition d = p.decomposition().orElseThrow();
            String kind = "v" + d.ipVersion() + "-" + d.transport() + (d.payloadLength() > 0 ? "+data" : "");
            kinds.merge(kind, 1, Integer::sum);
            assertWithMessage("%s %s", kind, p).that(p.checksumsValid()).isTrue();

            p.ipv4().ifPresent(h -> h.setChecksum(0));
            p.icmp().ifPresent(h -> h.setChecksum(0));
            p.icmpv6().ifPresent(h -> h.setChecksum(0));
            p.tcp().ifPresent(h -> h.setChecksum(0));
            p.udp().ifPresent(h -> h.setChecksum(0));
            assertThat(p.recalculateChecksums(0).ok()).isTrue();
            assertWithMessage("%s recomputed", kind).that(Hex.encode(p.toByteArray())).isEqualTo(Hex.encode(bytes));
        }
        assertThat(kinds.keySet()).containsAtLeast("v4-ICMP+data", "v4-TCP", "v4-TCP+data", "v4-UDP+data",
                "v6-ICMPV6+data", "v6-TCP", "v6-TCP+data", "v6-UDP+data");
    }

    /** The IPv4/IPv6 packets of a classic pcap file with Ethernet framing (what tcpdump -w wrote). */
    static List<byte[]> ipPackets(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1) {
            b.order(ByteOrder.BIG_ENDIAN);
            magic = b.getInt(0);
        }
        assertThat(magic == 0xA1B2C3D4 || magic == 0xA1B23C4D).isTrue();
        assertWithMessage("link type").that(b.getInt(20)).isEqualTo(1);
        List<byte[]> out = new ArrayList<>();
        int at = 24;
        while (at + 16 <= file.length) {
            int caplen = b.getInt(at + 8);
            int origlen = b.getInt(at + 12);
            assertWithMessage("snap length cut a packet").that(caplen).isEqualTo(origlen);
            byte[] frame = Arrays.copyOfRange(file, at + 16, at + 16 + caplen);
            int ethertype = (frame[12] & 0xFF) << 8 | (frame[13] & 0xFF);
            if (ethertype == 0x0800 || ethertype == 0x86DD) {
                out.add(Arrays.copyOfRange(frame, 14, frame.length));
            }
            at += 16 + caplen;
        }
        assertThat(at).isEqualTo(file.length);
        return out;
    }
}
