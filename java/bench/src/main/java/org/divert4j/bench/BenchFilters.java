package org.divert4j.bench;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The filters every engine of the benchmark runs: our text and libpcap's equivalent. */
public final class BenchFilters {
    /** One benchmark filter. */
    public record Filter(String name, String divert, String pcap) {
    }

    private static final List<Integer> PORTS = List.of(22, 25, 53, 80, 110, 143, 443, 993, 3389, 8080);

    /** Shared by the C bench (through filters.txt) and the JMH bench. */
    public static final List<Filter> ALL = List.of(
            new Filter("port80", "tcp.DstPort == 80", "tcp dst port 80"),
            new Filter("ports10", PORTS.stream().map(p -> "tcp.DstPort == " + p).collect(Collectors.joining(" or ")),
                    PORTS.stream().map(p -> "tcp dst port " + p).collect(Collectors.joining(" or "))),
            new Filter("ipv6addr", "ipv6.DstAddr == 2001:db8::1", "ip6 dst host 2001:db8::1"),
            // libpcap's tcp[] indexes IPv4 only, hence the ip test on both sides.
            new Filter("payload", "ip and tcp.Payload[0] == 0x47", "ip and tcp[((tcp[12] & 0xf0) >> 2)] = 0x47"));

    private BenchFilters() {
    }

    /** The filter named {@code name}. */
    public static Filter named(String name) {
        return Stream.of(ALL.toArray(new Filter[0])).filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no benchmark filter " + name));
    }
}
