package org.divert4j.api.codec;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.divert4j.abi.Abi;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.abi.Param;
import org.divert4j.abi.Shutdown;
import org.divert4j.abi.U128;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java codecs against the C ABI header: a C file with the same values as designated
 * initializers of {@code DIVERT_ADDRESS}, {@code DIVERT_IOCTL} and {@code DIVERT_VERSION} is
 * generated, compiled with gcc (ELF) and with mingw-w64 ({@code -mms-bitfields}, PE/COFF), and the
 * initialized bytes are extracted from the object file with objcopy. The IP address words are
 * written in C from the address bytes with the spec's formula, not from the Java codec.
 */
class AbiGoldenBytesTest {

    private static final List<Address> ADDRESSES = new ArrayList<>();
    private static final List<byte[]> HEADERS = new ArrayList<>();
    private static final List<String> HEADER_C = new ArrayList<>();
    private static final List<VersionRecord> VERSIONS = List.of(
            VersionRecord.request(64), VersionRecord.request(32),
            new VersionRecord(Abi.MAGIC_SYS, 2, 2, 64), new VersionRecord(-1L, -1, 0x7FFFFFFF, 0));

    private static Path workDir;

    @BeforeAll
    static void cases() throws IOException {
        // Each flag bit alone, then all together, on both network layers.
        String[] flags = {"sniffed", "outbound", "loopback", "impostor", "ipv6", "ipChecksum", "tcpChecksum", "udpChecksum"};
        for (int i = 0; i <= flags.length; i++) {
            boolean[] f = new boolean[8];
            if (i == flags.length) {
                Arrays.fill(f, true);
            } else {
                f[i] = true;
            }
            ADDRESSES.add(new Address(0x0102030405060708L + i, i % 2 == 0 ? Layer.NETWORK : Layer.NETWORK_FORWARD,
                    0, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], new LayerData.Network(7 + i, 3 * i)));
        }
        ADDRESSES.add(new Address(-2, Layer.NETWORK, 255, false, false, false, false, false, false, false, false,
                new LayerData.Network(-1, 0x80000000)));
        ADDRESSES.add(new Address(Long.MIN_VALUE, Layer.FLOW, 2, true, true, false, false, false, false, false, false,
                new LayerData.Endpoint(0x1122334455667788L, -3, 4321, v4("10.1.2.3"), v4("192.168.200.1"),
                        51000, 443, 6)));
        ADDRESSES.add(new Address(99, Layer.SOCKET, 4, false, true, true, false, true, false, false, false,
                new LayerData.Endpoint(-1L, 1, -1, v6("2001:db8::1"), v6("fe80::1234:5678:9abc:def0"),
                        65535, 1, 255)));
        ADDRESSES.add(new Address(0, Layer.SOCKET, 5, false, true, false, false, false, false, false, false,
                new LayerData.Endpoint(5, 0, 77, v4("0.0.0.0"), U128.ZERO, 80, 0, 6)));
        ADDRESSES.add(new Address(Long.MAX_VALUE, Layer.REFLECT, 8, true, false, false, false, false, false, false, false,
                new LayerData.Reflect(123456789012345L, 4242, Layer.SOCKET, 0x3FL, (short) -30000)));
        ADDRESSES.add(new Address(1, Layer.REFLECT, 9, false, false, false, false, false, false, false, false,
                new LayerData.Reflect(-1L, -1, Layer.NETWORK_FORWARD, -1L, (short) 30000)));

        header(RequestHeader.recv(0x00007FF612345678L, 0x00007FF6AABBCCDDL),
                ".recv = { .addr = UINT64_C(0x00007FF612345678), .addr_len_ptr = UINT64_C(0x00007FF6AABBCCDD) }");
        header(RequestHeader.recv(0x1000, 0), ".recv = { .addr = 0x1000 }");
        header(RequestHeader.send(0xFFFFFFFFFFFFFFF0L, 20400),
                ".send = { .addr = UINT64_C(0xFFFFFFFFFFFFFFF0), .addr_len = 20400 }");
        header(RequestHeader.initialize(Layer.REFLECT, -30000, 0x15),
                ".initialize = { .layer = 4, .priority = 0, .flags = 0x15 }");
        header(RequestHeader.initialize(Layer.NETWORK, 30000, 0),
                ".initialize = { .layer = 0, .priority = 60000, .flags = 0 }");
        header(RequestHeader.initialize(Layer.FLOW, -1, 0x5),
                ".initialize = { .layer = 2, .priority = 29999, .flags = 5 }");
        header(RequestHeader.startup(0x3FF0), ".startup = { .flags = 0x3FF0 }");
        for (Shutdown s : Shutdown.values()) {
            header(RequestHeader.shutdown(s), ".shutdown = { .how = " + s.value() + " }");
        }
        for (Param p : Param.values()) {
            header(RequestHeader.getParam(p), ".get_param = { .param = " + p.id() + " }");
        }
        header(RequestHeader.setParam(Param.QUEUE_SIZE, 33554432),
                ".set_param = { .val = 33554432, .param = 2 }");
        header(RequestHeader.setParam(Param.QUEUE_TIME, 0xDEADBEEFCAFEL),
                ".set_param = { .val = UINT64_C(0xDEADBEEFCAFE), .param = 1 }");

        workDir = Path.of("target", "golden");
        Files.createDirectories(workDir);
        Files.writeString(workDir.resolve("golden.c"), cSource(), StandardCharsets.US_ASCII);
    }

    private static void header(byte[] bytes, String c) {
        HEADERS.add(bytes);
        HEADER_C.add(c);
    }

    private static U128 v4(String s) throws IOException {
        byte[] b = InetAddress.getByName(s).getAddress();
        return U128.ipv4Mapped(ByteBuffer.wrap(b).getInt());
    }

    private static U128 v6(String s) throws IOException {
        return U128.fromBytes(InetAddress.getByName(s).getAddress(), 0);
    }

    /** The address as the spec describes its words, computed in C from the address bytes. */
    private static String cAddr(U128 v) {
        byte[] b = v.toBytes();
        if (v.isIpv4Mapped()) {
            return String.format("{ W(%d,%d,%d,%d), 0x0000FFFFu, 0, 0 }", b[12] & 0xFF, b[13] & 0xFF, b[14] & 0xFF, b[15] & 0xFF);
        }
        StringBuilder s = new StringBuilder("{ ");
        for (int w = 0; w < 4; w++) {
            int o = 12 - 4 * w;
            s.append(String.format("W(%d,%d,%d,%d)", b[o] & 0xFF, b[o + 1] & 0xFF, b[o + 2] & 0xFF, b[o + 3] & 0xFF));
            s.append(w < 3 ? ", " : " }");
        }
        return s.toString();
    }

    private static String u64(long v) {
        return String.format("UINT64_C(0x%x)", v);
    }

    private static String i64(long v) {
        return v == Long.MIN_VALUE ? "INT64_MIN" : "INT64_C(" + v + ")";
    }

    private static String u32(int v) {
        return Integer.toUnsignedString(v) + "u";
    }

    private static String cAddress(Address a) {
        StringBuilder s = new StringBuilder("{ .Timestamp = ").append(i64(a.timestamp()))
                .append(", .Layer = ").append(a.layer().value()).append(", .Event = ").append(a.event())
                .append(", .Sniffed = ").append(a.sniffed() ? 1 : 0).append(", .Outbound = ").append(a.outbound() ? 1 : 0)
                .append(", .Loopback = ").append(a.loopback() ? 1 : 0).append(", .Impostor = ").append(a.impostor() ? 1 : 0)
                .append(", .IPv6 = ").append(a.ipv6() ? 1 : 0).append(", .IPChecksum = ").append(a.ipChecksum() ? 1 : 0)
                .append(", .TCPChecksum = ").append(a.tcpChecksum() ? 1 : 0)
                .append(", .UDPChecksum = ").append(a.udpChecksum() ? 1 : 0).append(",\n      ");
        if (a.data() instanceof LayerData.Network n) {
            s.append(".Network = { .IfIdx = ").append(u32(n.ifIdx())).append(", .SubIfIdx = ").append(u32(n.subIfIdx())).append(" }");
        } else if (a.data() instanceof LayerData.Endpoint e) {
            s.append(a.layer() == Layer.FLOW ? ".Flow" : ".Socket").append(" = { .EndpointId = ").append(u64(e.endpointId()))
                    .append(", .ParentEndpointId = ").append(u64(e.parentEndpointId()))
                    .append(", .ProcessId = ").append(u32(e.processId()))
                    .append(",\n        .LocalAddr = ").append(cAddr(e.localAddr()))
                    .append(",\n        .RemoteAddr = ").append(cAddr(e.remoteAddr()))
                    .append(", .LocalPort = ").append(e.localPort()).append(", .RemotePort = ").append(e.remotePort())
                    .append(", .Protocol = ").append(e.protocol()).append(" }");
        } else if (a.data() instanceof LayerData.Reflect r) {
            s.append(".Reflect = { .Timestamp = ").append(i64(r.timestamp())).append(", .ProcessId = ").append(u32(r.processId()))
                    .append(", .Layer = ").append(r.layer().value()).append(", .Flags = ").append(u64(r.flags()))
                    .append(", .Priority = ").append(r.priority()).append(" }");
        }
        return s.append(" }").toString();
    }

    private static String cSource() {
        StringBuilder s = new StringBuilder();
        s.append("/* generated by AbiGoldenBytesTest */\n#include <stdint.h>\n#include \"divert_abi.h\"\n");
        s.append("#define W(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))\n");
        s.append("struct golden {\n  DIVERT_ADDRESS addr[").append(ADDRESSES.size()).append("];\n  DIVERT_IOCTL ioctl[")
                .append(HEADERS.size()).append("];\n  DIVERT_VERSION version[").append(VERSIONS.size()).append("];\n};\n");
        s.append("__attribute__((section(\".golden\"), used))\nconst struct golden golden = {\n  .addr = {\n");
        for (Address a : ADDRESSES) {
            s.append("    ").append(cAddress(a)).append(",\n");
        }
        s.append("  },\n  .ioctl = {\n");
        for (String h : HEADER_C) {
            s.append("    { ").append(h).append(" },\n");
        }
        s.append("  },\n  .version = {\n");
        for (VersionRecord v : VERSIONS) {
            s.append(String.format(Locale.ROOT, "    { .magic = %s, .major = %s, .minor = %s, .bits = %s },\n",
                    u64(v.magic()), u32(v.major()), u32(v.minor()), u32(v.bits())));
        }
        return s.append("  },\n};\n").toString();
    }

    private static byte[] compileAndExtract(String cc, String objcopy, String tag, String... extra)
            throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("divert4j.root", "../.."));
        Path obj = workDir.resolve("golden-" + tag + ".o");
        Path bin = workDir.resolve("golden-" + tag + ".bin");
        List<String> cmd = new ArrayList<>(List.of(cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-c",
                "-I", root.resolve("driver/include").toString()));
        cmd.addAll(Arrays.asList(extra));
        cmd.addAll(List.of("-o", obj.toString(), workDir.resolve("golden.c").toString()));
        run(cmd);
        run(List.of(objcopy, "-O", "binary", "-j", ".golden", obj.toString(), bin.toString()));
        return Files.readAllBytes(bin);
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(cmd.get(0) + " is needed for the golden-byte test (tests/run.sh installs gcc and mingw-w64)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertWithMessage("%s failed:\n%s", String.join(" ", cmd), out).that(p.waitFor()).isEqualTo(0);
    }

    private static byte[] javaBytes() {
        ByteBuffer b = ByteBuffer.allocate(ADDRESSES.size() * 80 + HEADERS.size() * 16 + VERSIONS.size() * 64);
        for (Address a : ADDRESSES) {
            AddressCodec.encode(a, b);
        }
        for (byte[] h : HEADERS) {
            b.put(h);
        }
        for (VersionRecord v : VERSIONS) {
            b.put(v.encode());
        }
        return b.array();
    }

    private static void compare(byte[] c) {
        byte[] java = javaBytes();
        assertWithMessage("size of the C records").that(c.length).isAtLeast(java.length);
        for (int i = 0; i < ADDRESSES.size(); i++) {
            assertWithMessage("address record %s: %s", i, ADDRESSES.get(i))
                    .that(Arrays.copyOfRange(java, i * 80, i * 80 + 80)).isEqualTo(Arrays.copyOfRange(c, i * 80, i * 80 + 80));
        }
        int base = ADDRESSES.size() * 80;
        for (int i = 0; i < HEADERS.size(); i++) {
            int o = base + 16 * i;
            assertWithMessage("request header %s: %s", i, HEADER_C.get(i))
                    .that(Arrays.copyOfRange(java, o, o + 16)).isEqualTo(Arrays.copyOfRange(c, o, o + 16));
        }
        base += HEADERS.size() * 16;
        for (int i = 0; i < VERSIONS.size(); i++) {
            int o = base + 64 * i;
            assertWithMessage("version record %s", VERSIONS.get(i))
                    .that(Arrays.copyOfRange(java, o, o + 64)).isEqualTo(Arrays.copyOfRange(c, o, o + 64));
        }
        // And back: the C bytes decode to the values they were generated from.
        ByteBuffer in = ByteBuffer.wrap(c);
        for (Address a : ADDRESSES) {
            assertThat(AddressCodec.decode(in)).isEqualTo(a);
        }
        in.position(base);
        for (VersionRecord v : VERSIONS) {
            assertThat(VersionRecord.decode(in)).isEqualTo(v);
            in.position(in.position() + 64);
        }
    }

    @Test
    void gccElfMatchesJava() throws Exception {
        compare(compileAndExtract("gcc", "objcopy", "gcc"));
    }

    @Test
    void mingwMsBitfieldsMatchesJava() throws Exception {
        compare(compileAndExtract("x86_64-w64-mingw32-gcc", "x86_64-w64-mingw32-objcopy", "mingw", "-mms-bitfields"));
    }
}
