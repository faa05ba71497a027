package org.divert4j.cli;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.util.List;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.api.DivertException;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.Hex;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class HandleCommandsTest {
    /** IPv4 ICMP echo 10.0.0.1 -> 8.8.8.8 and an IPv4 TCP SYN 10.0.0.1:1234 -> 93.184.216.34:80. */
    private static final String ICMP = "4500003c1234400040010e7d0a00000108080808080000000d560001202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
    private static final String TCP = "45000028000040004006000a0a0000015db8d82204d2005000000001000000005002200000000000";


    private static CliRun run(String... args) {
        return run(Platform.WINDOWS, args);
    }

    private static CliRun run(boolean windows, String... args) {
        return CliRun.run(() -> Main.commandLine(windows), args);
    }

    @AfterEach
    void restore() {
        HandleOptions.transportOverride = null;
        LiveCount.isTerminal = Platform::isTerminal;
    }

    private static final List<List<String>> COMMANDS = List.of(List.of("sniff"), List.of("drop"), List.of("passthru"),
            List.of("flowtrack"), List.of("socketdump"), List.of("ctl"), List.of("driver"), List.of("block"), List.of("webfilter"), List.of("streamdump"),
            List.of("driver", "install"), List.of("driver", "uninstall"), List.of("driver", "status"));

    @Test
    void everyCommandHasHelp() {
        for (List<String> c : COMMANDS) {
            String[] args = new java.util.ArrayList<String>(c) {{ add("--help"); }}.toArray(new String[0]);
            CliRun r = run(args);
            assertThat(r.status()).isEqualTo(0);
            assertThat(r.out()).contains("Usage: divert4j " + String.join(" ", c));
        }
        assertThat(run("sniff", "--help").out()).contains("--priority");
        assertThat(run("passthru", "--help").out()).contains("--threads");
        assertThat(run("sniff", "--help").out()).contains("--json");
    }

    @Test
    void argumentsAreValidated() {
        String[][] usage = {
            {"sniff", "--count", "0"}, {"sniff", "--layer", "bogus"}, {"sniff", "--priority", "30001"},
            {"sniff", "--priority", "x"}, {"sniff", "--device", "nope"}, {"drop"}, {"drop", "--layer", "FLOW", "tcp"},
            {"passthru", "--batch", "0"}, {"passthru", "--batch", "256"}, {"passthru", "--threads", "0"},
            {"ctl"}, {"ctl", "frobnicate"}, {"flowtrack", "--priority", "-30001"}, {"socketdump", "a", "b"},
            {"sniff", "--unknown"}, {"block"}, {"block", "--layer", "SOCKET", "tcp"}, {"webfilter"}, {"streamdump"}, {"streamdump", "0"}, {"streamdump", "80", "--proxy-port", "80"},
        };
        for (String[] a : usage) {
            CliRun r = run(a);
            assertThat(r.status()).isEqualTo(2);
            assertThat(r.err()).isNotEmpty();
        }
        assertThat(run("passthru", "--batch", "256").err()).contains("--batch must be in 1..255");
        assertThat(run("ctl", "frobnicate").err()).contains("list, watch, kill or uninstall");
    }

    @Test
    void invalidFilterIsExitOneWithTheCompilerDiagnostic() {
        HandleOptions.transportOverride = ScriptedDevice::new;
        CliRun r = run("sniff", "tcp.DstPort == ");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("^");
        CliRun layer = run("flowtrack", "tcp.PayloadLength > 0");
        assertThat(layer.status()).isEqualTo(1);
        assertThat(layer.err()).contains("FLOW");
    }

    @Test
    void withoutATransportOpeningFailsClearly() {
        // A platform without a transport, whatever this one is (Linux and Windows have one, and
        // opening a real handle here would capture the machine's traffic).
        HandleOptions.transportOverride = () -> {
            throw DivertException.of(50, "open", "no divert transport for this test platform");
        };
        for (String[] a : new String[][] {{"sniff"}, {"drop", "tcp"}, {"passthru"}, {"flowtrack"}, {"socketdump"},
                {"ctl", "list"}, {"driver", "status"}, {"driver", "uninstall"}, {"block", "udp"},
                {"webfilter", "example.com"}, {"streamdump", "80"}}) {
            CliRun r = run(a);
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err()).contains("not available on this platform");
            assertThat(r.err()).doesNotContain("\tat ");
        }
    }

    private static Address net(boolean outbound) {
        return new Address(77, Layer.NETWORK, 0, false, outbound, true, false, false, true, true, true,
                new LayerData.Network(3, 1));
    }

    @Test
    void sniffJsonPrintsOneObjectPerPacketAndASummary() {
        ScriptedDevice d = new ScriptedDevice();
        d.queue.add(new DivertPacket(Hex.decode(ICMP), net(true)));
        d.queue.add(new DivertPacket(Hex.decode(TCP), net(false)));
        d.queue.add(new DivertPacket(Hex.decode(TCP), net(false)));
        HandleOptions.transportOverride = () -> d;
        CliRun r = run("sniff", "--json", "--count", "2", "--priority", "-5");
        assertThat(r.status()).isEqualTo(0);
        String[] lines = r.out().trim().split("\n");
        assertThat(lines).hasLength(2);
        assertThat(lines[0]).contains("\"outbound\":true,\"loopback\":true");
        assertThat(lines[0]).contains("\"ifIdx\":3");
        assertThat(lines[0]).contains("\"length\":60,\"protocol\":1,\"src\":\"10.0.0.1\",\"dst\":\"8.8.8.8\",\"srcPort\":null,\"dstPort\":null");
        assertThat(lines[1]).contains("\"outbound\":false");
        assertThat(lines[1]).contains("\"protocol\":6,\"src\":\"10.0.0.1\",\"dst\":\"93.184.216.34\",\"srcPort\":1234,\"dstPort\":80");
        assertThat(r.err()).contains("divert4j sniff: 2 packets, 100 bytes, 0 drops");
        assertThat(r.err()).contains("\n  tcp: 1 packets, 40 bytes, largest 40");
        assertThat(r.err()).contains("\n  icmp: 1 packets, 60 bytes, largest 60");
    }

    /** The TCP packet above with SYN and ACK set (flags byte 0x12 instead of 0x02). */
    private static final String TCP_SYN_ACK = TCP.substring(0, 66) + "12" + TCP.substring(68);

    @Test
    void helpOffWindowsLeavesOutWindowsOnlyOptionsAndCommands() {
        for (String option : Platform.WINDOWS_ONLY_OPTIONS) {
            assertThat(run(false, "sniff", "--help").out()).doesNotContain(option);
            assertThat(run(true, "sniff", "--help").out()).contains(option);
        }
        for (String command : Platform.WINDOWS_ONLY_COMMANDS) {
            assertThat(run(false, "--help").out()).doesNotContainMatch("(?m)^\\s+" + command + "\\s");
            assertThat(run(true, "--help").out()).containsMatch("(?m)^\\s+" + command + "\\s");
        }
        // Hidden, not removed: a portable script's option still parses and is checked.
        assertThat(run(false, "sniff", "--device", "nope").err()).contains("--device");
        assertThat(run(false, "sniff", "--help").out()).contains("--priority");
    }

    @Test
    void everyCommandsHelpEndsWithAnExampleOfThatCommand() {
        java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(List.of(Main.commandLine(true)));
        int seen = 0;
        while (!todo.isEmpty()) {
            CommandLine c = todo.pop();
            todo.addAll(c.getSubcommands().values());
            String help = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
            String name = c.getCommandSpec().qualifiedName();
            assertWithMessage(name).that(help).containsMatch("\nExample:\n  " + java.util.regex.Pattern.quote(name) + "( |\n)");
            seen++;
        }
        assertThat(seen).isAtLeast(COMMANDS.size() + 1);
    }

    @Test
    void sniffTextShowsIcmpTypeAndCodeAndTcpFlags() {
        ScriptedDevice d = new ScriptedDevice();
        d.queue.add(new DivertPacket(Hex.decode(ICMP), net(true)));
        d.queue.add(new DivertPacket(Hex.decode(TCP), net(false)));
        d.queue.add(new DivertPacket(Hex.decode(TCP_SYN_ACK), net(false)));
        HandleOptions.transportOverride = () -> d;
        CliRun r = run("sniff", "--count", "3");
        assertThat(r.status()).isEqualTo(0);
        String[] lines = r.out().trim().split("\n");
        assertThat(lines).hasLength(3);
        assertThat(lines[0]).containsMatch("^\\d\\d:\\d\\d:\\d\\d\\.\\d{6} NETWORK ");
        assertThat(lines[0]).contains("10.0.0.1 -> 8.8.8.8");
        assertThat(lines[0]).contains(" type=8 code=0");
        assertThat(lines[1]).contains("10.0.0.1:1234 -> 93.184.216.34:80");
        assertThat(lines[1]).contains(" flags=[S] ");
        assertThat(lines[2]).contains(" flags=[S.] ");
    }

    @Test
    void sniffJsonHasEpochTimeTheRawCounterAndDecodedHeaders() {
        ScriptedDevice d = new ScriptedDevice();
        d.queue.add(new DivertPacket(Hex.decode(ICMP), net(true)));
        d.queue.add(new DivertPacket(Hex.decode(TCP_SYN_ACK), net(false)));
        HandleOptions.transportOverride = () -> d;
        long before = nowNanos();
        CliRun r = run("sniff", "--json", "--count", "2");
        long after = nowNanos();
        assertThat(r.status()).isEqualTo(0);
        String[] lines = r.out().trim().split("\n");
        // The scripted counter reads 5 s at open in microseconds; the records carry 77 (us).
        long offset = -5_000_000_000L + 77_000;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"epochNanos\":(\\d+),\"counter\":77[,}]").matcher(lines[0]);
        assertThat(m.find()).isTrue();
        assertThat(Long.parseLong(m.group(1))).isIn(com.google.common.collect.Range.closed(before + offset, after + offset));
        assertThat(lines[0]).contains("\"headers\":{\"ipv4\":{");
        assertThat(lines[0]).contains("\"ttl\":64");
        assertThat(lines[0]).containsMatch("\"icmp\":\\{\"type\":8,\"code\":0,");
        assertThat(lines[1]).containsMatch("\"tcp\":\\{\"srcPort\":1234,\"dstPort\":80,\"seqNum\":1,");
        assertThat(lines[1]).containsMatch("\"syn\":true");
        assertThat(lines[1]).containsMatch("\"ack\":true");
        assertThat(lines[1]).containsMatch("\"fin\":false");
    }

    private static long nowNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Test
    void liveCountIsDrawnOnlyOnATerminal() {
        for (boolean tty : new boolean[] {true, false}) {
            ScriptedDevice d = new ScriptedDevice();
            d.queue.add(new DivertPacket(Hex.decode(ICMP), net(true)));
            HandleOptions.transportOverride = () -> d;
            LiveCount.isTerminal = fd -> tty;
            CliRun r = run("sniff", "--count", "1");
            assertThat(r.status()).isEqualTo(0);
            if (tty) {
                assertThat(r.err()).contains("\r\033[Kdivert4j sniff: 0 packets, 0 B (");
                assertThat(r.err()).contains("packets/s");
            } else {
                assertThat(r.err()).doesNotContain("\033[K");
                assertThat(r.err()).doesNotContain("packets/s");
            }
            assertThat(r.err()).contains("divert4j sniff: 1 packets, 60 bytes, 0 drops");
        }
    }

    @Test
    void statsPrintsOnlyTheSummaryWithALinePerProtocol() {
        ScriptedDevice d = new ScriptedDevice();
        d.queue.add(new DivertPacket(Hex.decode(ICMP), net(true)));
        d.queue.add(new DivertPacket(Hex.decode(TCP), net(false)));
        d.queue.add(new DivertPacket(Hex.decode(TCP_SYN_ACK), net(false)));
        d.queue.add(new DivertPacket(Hex.decode(TCP), net(false)));
        HandleOptions.transportOverride = () -> d;
        LiveCount.isTerminal = fd -> false;
        CliRun r = run("stats", "--count", "3", "icmp or tcp");
        assertThat(r.status()).isEqualTo(0);
        assertThat(r.out()).isEmpty();
        assertThat(d.sent).isEmpty();
        assertThat(r.err()).contains("divert4j stats: 3 packets, 140 bytes, 0 drops, 0 injected");
        assertThat(r.err()).contains("\n  tcp: 2 packets, 80 bytes, largest 40");
        assertThat(r.err()).contains("\n  icmp: 1 packets, 60 bytes, largest 60");
        assertThat(r.err()).doesNotContain("udp:");
    }

    @Test
    void sniffWritesPcapng(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        ScriptedDevice d = new ScriptedDevice();
        d.queue.add(new DivertPacket(Hex.decode(ICMP), net(true)));
        HandleOptions.transportOverride = () -> d;
        java.nio.file.Path file = dir.resolve("out.pcapng");
        CliRun r = run("sniff", "--pcapng", file.toString());
        assertThat(r.status()).isEqualTo(0);
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        assertThat(java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0)).isEqualTo(0x0A0D0D0A);
        assertThat(Hex.encode(bytes)).contains(ICMP);
        assertThat(run("sniff", "--pcapng", file.toString(), "--layer", "FLOW").status()).isEqualTo(2);
    }

    @Test
    void passthruReinjectsEveryPacketOnSeveralThreads() {
        ScriptedDevice d = new ScriptedDevice();
        for (int i = 0; i < 5; i++) {
            d.queue.add(new DivertPacket(Hex.decode(TCP), net(true)));
        }
        HandleOptions.transportOverride = () -> d;
        CliRun r = run("passthru", "--batch", "8", "--threads", "3", "tcp");
        assertThat(r.status()).isEqualTo(0);
        assertThat(d.sent).hasSize(5);
        assertThat(d.sent.get(0)).isEqualTo(Hex.decode(TCP));
        assertThat(r.err()).contains("5 packets, 200 bytes, 0 drops, 5 injected");
    }

    @Test
    void dropCountsWithoutReinjecting() {
        ScriptedDevice d = new ScriptedDevice();
        d.queue.add(new DivertPacket(Hex.decode(TCP), net(true)));
        HandleOptions.transportOverride = () -> d;
        CliRun r = run("drop", "tcp.DstPort == 80");
        assertThat(r.status()).isEqualTo(0);
        assertThat(d.sent).isEmpty();
        assertThat(r.out()).containsMatch("^drop \\d\\d:\\d\\d:\\d\\d\\.\\d{6} NETWORK ");
        assertThat(r.err()).contains("1 packets, 40 bytes, 1 drops");
    }

    @Test
    void blockAnswersTcpWithAReset() {
        ScriptedDevice d = new ScriptedDevice();
        d.queue.add(new DivertPacket(ResponsesTest.tcpWithPayload("x"), net(true)));
        HandleOptions.transportOverride = () -> d;
        CliRun r = run("block", "tcp");
        assertThat(r.status()).isEqualTo(0);
        assertThat(d.sent).hasSize(1);
        assertThat(org.divert4j.packet.Packet.wrap(d.sent.get(0)).tcp().orElseThrow().rst()).isTrue();
        assertThat(r.out()).containsMatch("^reset \\S+ NETWORK ");
        assertThat(r.err()).contains("1 drops, 1 injected");
    }

    @Test
    void webfilterBlocksListedHostsAndPassesOthers() throws Exception {
        java.nio.file.Path list = java.nio.file.Files.createTempFile("hosts", ".txt");
        java.nio.file.Files.writeString(list, "# blocked\nexample.com\n");
        ScriptedDevice d = new ScriptedDevice();
        byte[] blocked = ResponsesTest.tcpWithPayload("GET / HTTP/1.1\r\nHost: www.Example.com:80\r\n\r\n");
        byte[] allowed = ResponsesTest.tcpWithPayload("GET / HTTP/1.1\r\nHost: example.org\r\n\r\n");
        d.queue.add(new DivertPacket(blocked, net(true)));
        d.queue.add(new DivertPacket(allowed, net(true)));
        HandleOptions.transportOverride = () -> d;
        CliRun r = run("webfilter", "--list", list.toString());
        assertThat(r.status()).isEqualTo(0);
        assertThat(d.sent).hasSize(3);
        assertThat(org.divert4j.packet.Packet.wrap(d.sent.get(0)).tcp().orElseThrow().rst()).isTrue();
        assertThat(new String(d.sent.get(1), java.nio.charset.StandardCharsets.ISO_8859_1)).contains("403 Forbidden");
        assertThat(d.sent.get(2)).isEqualTo(allowed);
        assertThat(r.out()).contains("blocked www.Example.com:80");
        assertThat(r.err()).contains("2 packets");
        assertThat(r.err()).contains("1 drops, 3 injected");
        assertThat(run("webfilter", "--list", "/nonexistent/hosts").status()).isEqualTo(1);
    }

    @Test
    void ctlListShutsDownAfterTheSnapshotAndPrintsOpenHandles() {
        ScriptedDevice d = new ScriptedDevice();
        Address open = new Address(1, Layer.REFLECT, 8, true, false, false, false, false, false, false, false,
                new LayerData.Reflect(5, 4242, Layer.NETWORK, 1, (short) 100));
        d.queue.add(new DivertPacket("@WinDiv_WX_WWWWAA\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII), open));
        HandleOptions.transportOverride = () -> d;
        CliRun r = run("ctl", "list");
        assertThat(r.status()).isEqualTo(0);
        assertThat(d.layerOpened).isEqualTo(4);
        assertThat(d.shutdowns).contains(1);
        assertThat(r.out()).contains("pid=4242");
        assertThat(r.out()).contains("handle=NETWORK prio=100 flags=[SNIFF] filter=@WinDiv_WX_WWWWAA");
    }
}
