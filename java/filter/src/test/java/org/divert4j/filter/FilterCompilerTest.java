package org.divert4j.filter;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.divert4j.abi.Layer;
import org.junit.jupiter.api.Test;

class FilterCompilerTest {

    @Test
    void resultsAreImmutable() throws FilterException {
        CompiledFilter f = FilterCompiler.compile("outbound and tcp", Layer.NETWORK);
        assertThrows(UnsupportedOperationException.class, () -> f.instructions().clear());
        assertThrows(UnsupportedOperationException.class, () -> f.warnings().clear());
        assertThat(f.flags()).isEqualTo(0xE0L);
        assertThat(FilterCompiler.compile("event == CONNECT", Layer.SOCKET).flags()).isEqualTo(0x4C0L);
    }

    @Test
    void concurrentCompilesAgreeWithSequentialOnes() throws Exception {
        List<String> filters = List.of("tcp.DstPort == 80 and outbound", "(tcp ? udp : icmp)",
                "ip.SrcAddr >= 10.0.0.0 and ip.SrcAddr <= 10.255.255.255", "not tcp.Syn or udp",
                "packet32[-5b] == 0x33343536", "tcp.DstPort > 65535", "ipv6.DstAddr == fe80::1");
        List<String> sequential = IntStream.range(0, 400)
                .mapToObj(i -> object(filters.get(i % filters.size()))).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> parallel = IntStream.range(0, 400)
                    .mapToObj(i -> pool.submit(() -> object(filters.get(i % filters.size())))).toList();
            for (int i = 0; i < parallel.size(); i++) {
                assertThat(parallel.get(i).get()).isEqualTo(sequential.get(i));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void positionsAreByteOffsetsOfTheUtf8Text() {
        FilterException e = assertThrows(FilterException.class,
                () -> FilterCompiler.compile("tcp and \u00e9", Layer.NETWORK));
        assertThat(e.error()).isEqualTo(FilterError.BAD_TOKEN);
        assertThat(e.position()).isEqualTo(9);
        e = assertThrows(FilterException.class, () -> FilterCompiler.compile("\u00e9\u00e9 tcp ==", Layer.NETWORK));
        assertThat(e.position()).isEqualTo(1);
        e = assertThrows(FilterException.class, () -> FilterCompiler.compile("tcp ==\0 5", Layer.NETWORK));
        assertThat(e.error()).isEqualTo(FilterError.PARSE_ERROR);
        assertThat(e.position()).isEqualTo(6);
    }

    private static String object(String filter) {
        try {
            return FilterCompiler.compile(filter, Layer.NETWORK).object();
        } catch (FilterException e) {
            throw new AssertionError(e);
        }
    }
}
