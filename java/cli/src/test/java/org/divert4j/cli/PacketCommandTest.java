package org.divert4j.cli;

import static com.google.common.truth.Truth.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class PacketCommandTest {
    private static final String P1 = "4500003c1234400040010e7d0a00000108080808080000000d560001202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";

    private record Result(int status, String out, String err) {
    }

    private static Result run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int status = cl.execute(args);
            return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(saved);
        }
    }

    @Test
    void hashPrintsUnsignedDecimal() {
        Result r = run("packet", "hash", P1);
        assertThat(r.status()).isEqualTo(0);
        assertThat(r.out().trim()).isEqualTo("11311574671475048290");
        assertThat(run("packet", "hash", "--seed", "12345", P1).out().trim()).isEqualTo("15269478677403076381");
        assertThat(run("packet", "hash", "--seed", "-1", P1).out().trim()).isEqualTo("11627938132033948568");
    }

    @Test
    void badInputIsExitOneWithAMessage() {
        Result bad = run("packet", "hash", "45zz");
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.err()).contains("position 2");
        Result notIp = run("packet", "hash", "00".repeat(20));
        assertThat(notIp.status()).isEqualTo(1);
        assertThat(notIp.err()).contains("not an IPv4 or IPv6 packet");
        assertThat(run("packet", "hash", "--seed", "x", P1).status()).isEqualTo(1);
    }

    @Test
    void usageErrorsAreExitTwo() {
        assertThat(run("packet", "hash").status()).isEqualTo(2);
        assertThat(run("packet", "frobnicate").status()).isEqualTo(2);
    }
}
