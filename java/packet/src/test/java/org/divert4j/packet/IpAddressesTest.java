package org.divert4j.packet;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import org.divert4j.abi.U128;
import org.junit.jupiter.api.Test;

class IpAddressesTest {

    private static U128 v6(long hi, long lo) {
        return new U128(hi, lo);
    }

    private static U128 parsed6(String s) {
        Optional<U128> v = IpAddresses.parseIpv6(s);
        assertWithMessage("parseIpv6(%s)", s).that(v.isPresent()).isTrue();
        return v.get();
    }

    @Test
    void ipv4AcceptsTheSpecGrammar() {
        assertThat(IpAddresses.parseIpv4("1.2.3.4")).isEqualTo(OptionalInt.of(0x01020304));
        assertThat(IpAddresses.parseIpv4("001.002.0003.4")).isEqualTo(OptionalInt.of(0x01020304));
        assertThat(IpAddresses.parseIpv4("255.255.255.255")).isEqualTo(OptionalInt.of(0xFFFFFFFF));
        assertThat(IpAddresses.parseIpv4("0.0.0.0")).isEqualTo(OptionalInt.of(0));
        // Components are reduced modulo 2^32 before the range check (docs/spec/filter-language.md §2.5, docs/spec/helpers.md §6.1 quirk).
        assertThat(IpAddresses.parseIpv4("4294967306.0.0.1")).isEqualTo(OptionalInt.of(0x0A000001));
        assertThat(IpAddresses.parseIpv4("1.2.3.4294967296")).isEqualTo(OptionalInt.of(0x01020300));
        assertThat(IpAddresses.parseIpv4("0000000000000000000000000000000000000000010.0.0.1"))
                .isEqualTo(OptionalInt.of(0x0A000001));
    }

    @Test
    void ipv4RejectsEverythingElse() {
        for (String bad : new String[] {"", "1.2.3", "1.2.3.256", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.4 ",
            " 1.2.3.4", "+1.2.3.4", "1.2.3.-4", "1.2.3.4.5", "1.2.3.0x4", "a.b.c.d", "4294967552.0.0.1",
            "1.2.3.\u0664", "1,2,3,4", "1.2.3.4/8"}) {
            assertWithMessage("parseIpv4(%s)", bad).that(IpAddresses.parseIpv4(bad)).isEqualTo(OptionalInt.empty());
        }
    }

    @Test
    void ipv6AcceptsTheSpecExamples() {
        assertThat(parsed6("::")).isEqualTo(U128.ZERO);
        assertThat(parsed6("::1")).isEqualTo(v6(0, 1));
        assertThat(parsed6("ab::")).isEqualTo(v6(0x00AB000000000000L, 0));
        assertThat(parsed6("::12ab")).isEqualTo(v6(0, 0x12AB));
        assertThat(parsed6("::12AB")).isEqualTo(v6(0, 0x12AB));
        assertThat(parsed6("2001:db8::aabb:ccdd")).isEqualTo(v6(0x20010DB800000000L, 0xAABBCCDDL));
        assertThat(parsed6("1:2:3:4:5:6:7:8")).isEqualTo(v6(0x0001000200030004L, 0x0005000600070008L));
        assertThat(parsed6("1:2:3:4:5:6:7:8:9")).isEqualTo(v6(0x0001000200030004L, 0x0005000600070008L));
        assertThat(parsed6("1:2:3:4:5:6:7:8:zz")).isEqualTo(v6(0x0001000200030004L, 0x0005000600070008L));
        assertThat(parsed6("1::")).isEqualTo(v6(0x0001000000000000L, 0));
        assertThat(parsed6("1::2")).isEqualTo(v6(0x0001000000000000L, 2));
        assertThat(parsed6("1:2:3:4:5:6:7::")).isEqualTo(v6(0x0001000200030004L, 0x0005000600070000L));
        assertThat(parsed6("::2:3:4:5:6:7:8")).isEqualTo(v6(0x0000000200030004L, 0x0005000600070008L));
        // Eight groups after a leading gap: the tail fills all eight words.
        assertThat(parsed6("::1:2:3:4:5:6:7:8")).isEqualTo(v6(0x0001000200030004L, 0x0005000600070008L));
        assertThat(parsed6("ffff:FFFF::")).isEqualTo(v6(0xFFFFFFFF00000000L, 0));
    }

    @Test
    void ipv6Ipv4Tails() {
        assertThat(parsed6("::ffff:1.2.3.4")).isEqualTo(U128.ipv4Mapped(0x01020304));
        assertThat(parsed6("::FFFF:1.2.3.4")).isEqualTo(U128.ipv4Mapped(0x01020304));
        assertThat(parsed6("0::ffff:1.2.3.4")).isEqualTo(U128.ipv4Mapped(0x01020304));
        assertThat(parsed6("::1.2.3.4")).isEqualTo(v6(0, 0x01020304));
        // A plain dotted quad is IPv4-compatible here (the filter tokenizer tries IPv4 first).
        assertThat(parsed6("1.2.3.4")).isEqualTo(v6(0, 0x01020304));
        assertThat(parsed6("8.8.4.4")).isEqualTo(v6(0, 0x08080404));
        // n = 9: the first tail group is dropped (docs/spec/filter-language.md §11.4).
        assertThat(parsed6("::5:0:0:0:0:0:ffff:1.2.3.4")).isEqualTo(U128.ipv4Mapped(0x01020304));
        assertThat(parsed6("::4294967306.0.0.1")).isEqualTo(v6(0, 0x0A000001));
    }

    @Test
    void ipv6RejectsWhatTheAlgorithmRejects() {
        for (String bad : new String[] {"", ":", ":1", ":::", "1:::2", "1::2::3", "1:2", "1:2:3:4:5:6:7",
            "1:", "12345::", "::12345", "g::", "1:2:3:4:5:6:1.2.3.4", "1::1.2.3.4", "::fffe:1.2.3.4",
            "::1:ffff:1.2.3.4", "0:0:0:0:0:ffff:1.2.3.4", "::1.2.3", "::1.2.3.256", "1.2.3", "::%1",
            "::1%eth0", "fe80::1 ", " ::1", "::\u0661"}) {
            assertWithMessage("parseIpv6(%s)", bad).that(IpAddresses.parseIpv6(bad)).isEqualTo(Optional.empty());
        }
    }

    @Test
    void formatIpv4() {
        assertThat(IpAddresses.formatIpv4(0x0A000001)).isEqualTo("10.0.0.1");
        assertThat(IpAddresses.formatIpv4(0xFFFFFFFF)).isEqualTo("255.255.255.255");
        assertThat(IpAddresses.formatIpv4(0)).isEqualTo("0.0.0.0");
        assertThat(IpAddresses.formatIpv4(0x5DB8D877)).isEqualTo("93.184.216.119");
    }

    @Test
    void formatIpv6SpecExamples() {
        assertThat(IpAddresses.formatIpv6(parsed6("1:0:2:3:4:5:6:7"))).isEqualTo("1::2:3:4:5:6:7");
        assertThat(IpAddresses.formatIpv6(parsed6("0:0:1:0:0:1:0:0"))).isEqualTo("::1:0:0:1:0:0");
        assertThat(IpAddresses.formatIpv6(parsed6("1:0:0:1:0:0:1:1"))).isEqualTo("1::1:0:0:1:1");
        assertThat(IpAddresses.formatIpv6(parsed6("1:2:3:4:5:6:7:0"))).isEqualTo("1:2:3:4:5:6:7::");
        assertThat(IpAddresses.formatIpv6(parsed6("1:0:2::"))).isEqualTo("1:0:2::");
        assertThat(IpAddresses.formatIpv6(U128.ZERO)).isEqualTo("::");
        assertThat(IpAddresses.formatIpv6(v6(0, 1))).isEqualTo("::1");
        assertThat(IpAddresses.formatIpv6(parsed6("1:2:3:4:5:6:7:8"))).isEqualTo("1:2:3:4:5:6:7:8");
        assertThat(IpAddresses.formatIpv6(parsed6("ABCD:EF01::"))).isEqualTo("abcd:ef01::");
        assertThat(IpAddresses.formatIpv6(parsed6("2001:db8::aabb:ccdd"))).isEqualTo("2001:db8::aabb:ccdd");
        // IPv4-mapped prints as the bare dotted quad; IPv4-compatible does not.
        assertThat(IpAddresses.formatIpv6(parsed6("::ffff:1.2.3.4"))).isEqualTo("1.2.3.4");
        assertThat(IpAddresses.formatIpv6(parsed6("::ffff:1:2"))).isEqualTo("0.1.0.2");
        assertThat(IpAddresses.formatIpv6(parsed6("::1.2.3.4"))).isEqualTo("::102:304");
        assertThat(IpAddresses.formatIpv6(parsed6("::ffff:0:0"))).isEqualTo("0.0.0.0");
        assertThat(IpAddresses.formatIpv6(parsed6("1::ffff:0:0"))).isEqualTo("1::ffff:0:0");
    }

    /** Random addresses with many zero groups: format → parse is the identity, and Java agrees. */
    @Test
    void formatParseRoundTripAgreesWithJava() throws Exception {
        Random rnd = new Random(20261127);
        for (int n = 0; n < 20000; n++) {
            long hi = 0;
            long lo = 0;
            for (int g = 0; g < 8; g++) {
                int v = switch (rnd.nextInt(4)) {
                    case 0, 1 -> 0;
                    case 2 -> rnd.nextInt(16);
                    default -> rnd.nextInt(0x10000);
                };
                if (g < 4) {
                    hi = hi << 16 | v;
                } else {
                    lo = lo << 16 | v;
                }
            }
            if (rnd.nextInt(10) == 0) {
                hi = 0;
                lo = 0xFFFF00000000L | (lo & 0xFFFFFFFFL);
            }
            U128 a = new U128(hi, lo);
            String text = IpAddresses.formatIpv6(a);
            assertWithMessage("round trip of %s", text).that(parseAny(text)).isEqualTo(a);
            // Java's literal parser (no DNS lookup for literals) is an independent reader.
            assertWithMessage("Java reading %s", text).that(IpAddresses.toU128(InetAddress.getByName(text))).isEqualTo(a);
            assertThat(text).doesNotContain(":::");
            assertThat(text.indexOf("::")).isEqualTo(text.lastIndexOf("::"));
        }
    }

    /** How the filter tokenizer reads an address literal: IPv4 (mapped) first, then IPv6. */
    private static U128 parseAny(String text) {
        OptionalInt v4 = IpAddresses.parseIpv4(text);
        return v4.isPresent() ? U128.ipv4Mapped(v4.getAsInt()) : parsed6(text);
    }

    @Test
    void inetAddressConversions() throws Exception {
        Inet4Address a = IpAddresses.toInetAddress(0x0A000001);
        assertThat(a.getHostAddress()).isEqualTo("10.0.0.1");
        assertThat(IpAddresses.toIpv4(a)).isEqualTo(0x0A000001);
        assertThat(IpAddresses.toIpv4((Inet4Address) InetAddress.getByName("255.1.2.254"))).isEqualTo(0xFF0102FE);

        U128 v6 = parsed6("2001:db8::aabb:ccdd");
        Inet6Address b = IpAddresses.toInetAddress(v6);
        assertThat(b.getHostAddress()).isEqualTo("2001:db8:0:0:0:0:aabb:ccdd");
        assertThat(IpAddresses.toU128(b)).isEqualTo(v6);

        Inet6Address mapped = IpAddresses.toInetAddress(U128.ipv4Mapped(0x01020304));
        assertThat(mapped.getAddress()).isEqualTo(U128.ipv4Mapped(0x01020304).toBytes());
        assertThat(IpAddresses.toU128(mapped)).isEqualTo(U128.ipv4Mapped(0x01020304));
        assertThat(IpAddresses.toU128(a)).isEqualTo(U128.ipv4Mapped(0x0A000001));
        Inet6Address scoped = Inet6Address.getByAddress(null, v6.toBytes(), 3);
        assertThat(IpAddresses.toU128(scoped)).isEqualTo(v6);
    }
}
