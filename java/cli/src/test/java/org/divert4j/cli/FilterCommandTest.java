package org.divert4j.cli;

import static com.google.common.truth.Truth.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilterCommandTest {


    private static CliRun run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void checkPrintsOkAndWarnings() {
        CliRun r = run("filter", "check", "tcp.DstPort > 65535");
        assertThat(r.status()).isEqualTo(0);
        assertThat(r.out()).startsWith("ok\nwarning at 0: 'tcp.DstPort > 65535' can never hold for tcp"
                + " packets, so WinDivert compiles it to 'not tcp'");
        assertThat(r.out()).contains("\n  tcp.DstPort > 65535\n  ^^^^^^^^^^^^^^^^^^^\n");
        assertThat(run("filter", "check", "tcp").out()).isEqualTo("ok\n");
    }

    @Test
    void checkShowsTheErrorWithACaret() {
        CliRun r = run("filter", "check", "--layer", "FLOW", "tcp and ifIdx == 1");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("bad token for layer at position 8");
        assertThat(r.err()).contains("\n  tcp and ifIdx == 1\n          ^");
    }

    @Test
    void compileAndFormat() {
        CliRun r = run("filter", "compile", "tcp.DstPort == 80 and outbound");
        assertThat(r.status()).isEqualTo(0);
        assertThat(r.out()).isEqualTo("@WinDiv_WY_1dWW2mLXX_YXWWAX\n");
        assertThat(run("filter", "compile", "--layer", "socket", "event == CONNECT").out())
                .isEqualTo("@WinDiv_WX_2cWWaAX\n");
        assertThat(run("filter", "compile", "@WinDiv_WX_0eXWWAX").out()).isEqualTo("@WinDiv_WX_eXWWAX\n");
        assertThat(run("filter", "format", "(tcp ? true : udp)").out()).isEqualTo("tcp or udp\n");
        assertThat(run("filter", "format", "--layer", "3", "event != 7").out()).isEqualTo("event != CLOSE\n");
        assertThat(run("filter", "compile", "tcp and").status()).isEqualTo(1);
    }

    @Test
    void usageErrors() {
        assertThat(run("filter", "compile").status()).isEqualTo(2);
        assertThat(run("filter", "check", "--layer", "LINK", "tcp").status()).isEqualTo(2);
    }

    @Test
    void batchCompilesEachLine(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"layer\":\"NETWORK\",\"filter\":\"tcp\"}\n"
                + "{\"name\":\"x\",\"layer\":\"FLOW\",\"filter\":\"ifIdx == 1\"}\n\n"
                + "{\"filter\":\"u:\"}\n"
                + "{\"layer\":\"SOCKET\",\"filter\":\"event == \\u0043LOSE\"}\n");
        CliRun r = run("filter", "compile", "--batch", in.toString());
        assertThat(r.status()).isEqualTo(0);
        assertThat(r.out()).isEqualTo("ok @WinDiv_WX_eXWWAX\n"
                + "error 0 Filter expression contains a bad token for layer\n"
                + "error 4294967295 Filter expression contains a bad token\n"
                + "ok @WinDiv_WX_2cWWdAX\n");
        Files.writeString(in, "{\"filter\": tcp}\n");
        assertThat(run("filter", "compile", "--batch", in.toString()).status()).isEqualTo(1);
        assertThat(run("filter", "compile", "--batch", dir.resolve("missing").toString()).status())
                .isEqualTo(1);
    }

    @Test
    void compileBpfPrintsThePrefilterOfEachChain() {
        CliRun r = run("filter", "compile", "--bpf", "tcp.DstPort == 80 or tcp.DstPort == 443");
        assertThat(r.status()).isEqualTo(0);
        assertThat(r.out()).containsMatch("(?m)^ipv4 OUTPUT: \\d+ instructions, exact$");
        assertThat(r.out()).contains("jeq      #0x1bb");
        assertThat(r.out()).contains("bytecode: ");
        assertThat(run("filter", "compile", "--bpf", "--layer", "FLOW", "tcp").status()).isEqualTo(2);
    }
}
