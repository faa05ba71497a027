package org.divert4j.packet.pcapng;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.divert4j.abi.Address;
import org.divert4j.abi.Event;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.packet.Hex;
import org.divert4j.packet.Packet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapngWriterTest {
    private static final String P1 = "4500003c1234400040010e7d0a00000108080808080000000d560001202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
    private static final String P3 = "450000392090000049113b180a00000108080404e045003500250000170801000001000000000000076578616d706c6503636f6d0000010001";
    private static final String P4C = "600123450028064020010db80000000000000000aabbccdd00000000000000000000000000000001c37e0017e1d7c8aa00000000a002aaaafe5200000204ffc40402080affff91860000000001030307";
    private static final String P6 = "600000000025004000000000000000000000000000000001fe8000000000000000000000000000023c0000000000000011000000000000001234aaaa0015000048656c6c6f20576f726c642101";
    /** 10 MHz counter; tick 0 = 2023-11-14T22:13:20.123456789Z. */
    private static final LongUnaryOperator CLOCK = PcapngWriter.counterClock(10_000_000, 1_700_000_000_123_456_789L);

    private record Written(String hex, Address addr) {
    }

    private static Address addr(long ticks, Layer layer, int ifIdx, int subIfIdx, boolean outbound, boolean loopback,
            boolean impostor) {
        return new Address(ticks, layer, Event.NETWORK_PACKET.value(), false, outbound, loopback, impostor, false, false,
                false, false, new LayerData.Network(ifIdx, subIfIdx));
    }

    private static final List<Written> PACKETS = List.of(
            new Written(P1, addr(0, Layer.NETWORK, 5, 0, true, false, false)),
            new Written(P3, addr(12_345_678, Layer.NETWORK, 5, 0, false, true, false)),
            new Written(P4C, addr(10_000_001, Layer.NETWORK, 7, 2, true, false, true)),
            new Written(P6, addr(99_999_999_999L, Layer.NETWORK_FORWARD, 5, 0, true, true, true)),
            new Written(P1, addr(3, Layer.NETWORK, 5, 0, true, false, false)));

    private static byte[] writeAll() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PcapngWriter w = new PcapngWriter(bytes, CLOCK)) {
            for (Written p : PACKETS) {
                w.write(Packet.wrap(Hex.decode(p.hex())), p.addr());
            }
        }
        return bytes.toByteArray();
    }

    private static String expectedTime(long ticks) {
        long ns = CLOCK.applyAsLong(ticks);
        return String.format("%d.%09d", ns / 1_000_000_000L, ns % 1_000_000_000L);
    }

    @Test
    void counterClock() {
        assertThat(CLOCK.applyAsLong(0)).isEqualTo(1_700_000_000_123_456_789L);
        assertThat(CLOCK.applyAsLong(12_345_678)).isEqualTo(1_700_000_001_358_024_589L);
        assertThat(CLOCK.applyAsLong(-1)).isEqualTo(1_700_000_000_123_456_689L);
        assertThat(PcapngWriter.counterClock(3, 0).applyAsLong(1)).isEqualTo(333_333_333L);
        assertThrows(IllegalArgumentException.class, () -> PcapngWriter.counterClock(0, 0));
    }

    /** Walks the blocks with a minimal reader of its own: structure, interfaces, flags, comments. */
    @Test
    void blockStructure() throws IOException {
        ByteBuffer b = ByteBuffer.wrap(writeAll()).order(ByteOrder.LITTLE_ENDIAN);
        List<String> interfaces = new ArrayList<>();
        List<String> packets = new ArrayList<>();
        while (b.hasRemaining()) {
            int start = b.position();
            int type = b.getInt(start);
            int len = b.getInt(start + 4);
            assertThat(len % 4).isEqualTo(0);
            assertThat(b.getInt(start + len - 4)).isEqualTo(len);
            switch (type) {
                case 0x0A0D0D0A -> {
                    assertThat(start).isEqualTo(0);
                    assertThat(b.getInt(start + 8)).isEqualTo(0x1A2B3C4D);
                }
                case 1 -> {
                    assertThat(b.getShort(start + 8)).isEqualTo((short) 101);
                    interfaces.add(options(b, start + 16, start + len - 4).get(0));
                }
                case 6 -> {
                    int iface = b.getInt(start + 8);
                    int caplen = b.getInt(start + 20);
                    assertThat(b.getInt(start + 24)).isEqualTo(caplen);
                    int optStart = start + 28 + (caplen + 3) / 4 * 4;
                    List<String> opts = options(b, optStart, start + len - 4);
                    packets.add(iface + " " + caplen + " " + String.join("|", opts));
                }
                default -> throw new AssertionError("unexpected block type " + type);
            }
            b.position(start + len);
        }
        assertThat(interfaces).containsExactly("2:divert4j");
        assertThat(packets).containsExactly(
                "0 60 2:02000000|1:if=5.0",
                "0 57 2:01000000|1:if=5.0 loopback",
                "0 80 2:02000000|1:if=7.2 impostor",
                "0 77 2:02000000|1:if=5.0 forward loopback impostor",
                "0 60 2:02000000|1:if=5.0").inOrder();
    }

    /** Options as "code:value" (text for names and comments, hex otherwise), up to opt_endofopt. */
    private static List<String> options(ByteBuffer b, int from, int end) {
        List<String> out = new ArrayList<>();
        int at = from;
        while (at < end) {
            int code = b.getShort(at) & 0xFFFF;
            int len = b.getShort(at + 2) & 0xFFFF;
            if (code == 0) {
                assertThat(at + 4).isEqualTo(end);
                break;
            }
            byte[] v = new byte[len];
            b.get(at + 4, v);
            out.add(code + ":" + (code == 1 || (code == 2 && len > 4) ? new String(v, StandardCharsets.UTF_8) : Hex.encode(v)));
            at += 4 + (len + 3) / 4 * 4;
        }
        return out;
    }

    /** An independent reader: tcpdump must see the same packets, lengths, timestamps and bytes. */
    @Test
    void tcpdumpReadsItBack(@TempDir Path dir) throws Exception {
        Path tcpdump = findTcpdump();
        Path file = dir.resolve("written.pcapng");
        try (OutputStream os = Files.newOutputStream(file)) {
            os.write(writeAll());
        }
        Process proc = new ProcessBuilder(tcpdump.toString(), "-r", file.toString(), "-nn", "-tt",
                "--time-stamp-precision=nano", "-x").redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertWithMessage("tcpdump output:\n%s", out).that(proc.waitFor()).isEqualTo(0);
        List<String> times = new ArrayList<>();
        List<StringBuilder> hex = new ArrayList<>();
        Pattern head = Pattern.compile("^(\\d+\\.\\d{9}) ");
        Pattern data = Pattern.compile("^\\s+0x[0-9a-f]{4}:\\s+([0-9a-f ]+)$");
        for (String line : out.split("\n")) {
            Matcher h = head.matcher(line);
            Matcher d = data.matcher(line);
            if (h.find()) {
                times.add(h.group(1));
                hex.add(new StringBuilder());
            } else if (d.find() && !hex.isEmpty()) {
                hex.get(hex.size() - 1).append(d.group(1).replace(" ", ""));
            }
        }
        assertThat(times).hasSize(PACKETS.size());
        for (int i = 0; i < PACKETS.size(); i++) {
            assertThat(times.get(i)).isEqualTo(expectedTime(PACKETS.get(i).addr().timestamp()));
            assertThat(hex.get(i).toString()).isEqualTo(PACKETS.get(i).hex());
        }
        assertThat(out).contains("IP 10.0.0.1 > 8.8.8.8: ICMP echo request");
        assertThat(out).contains("IP6 2001:db8::aabb:ccdd.50046 > ::1.23: Flags [S]");
    }

    private static Path findTcpdump() {
        for (String d : new String[] {"/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"}) {
            Path p = Path.of(d, "tcpdump");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        // tests/run.sh installs tcpdump; only a developer run without it may skip this check.
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError("tcpdump is required (tests/run.sh installs it)");
        }
        Assumptions.abort("tcpdump not installed");
        return null;
    }

    @Test
    void rejectsNonNetworkRecordsAndUseAfterClose() throws IOException {
        PcapngWriter w = new PcapngWriter(new ByteArrayOutputStream(), CLOCK);
        Address flow = new Address(0, Layer.FLOW, Event.FLOW_ESTABLISHED.value(), false, false, false, false, false,
                false, false, false, LayerData.Endpoint.NONE);
        assertThrows(IllegalArgumentException.class, () -> w.write(ByteBuffer.wrap(Hex.decode(P1)), flow));
        w.close();
        assertThrows(IllegalStateException.class,
                () -> w.write(ByteBuffer.wrap(Hex.decode(P1)), PACKETS.get(0).addr()));
    }
}
