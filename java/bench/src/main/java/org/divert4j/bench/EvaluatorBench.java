package org.divert4j.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.eval.FilterEvaluationException;
import org.divert4j.filter.eval.FilterProgram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The Java evaluator over the benchmark corpus: one operation is one pass over every packet,
 * decomposition included (as the C bench parses each packet before the VM runs). The program is
 * prepared once, as a user evaluating many packets keeps a {@link FilterProgram}.
 * The corpus directory comes from the system property {@code divert4j.bench.dir}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EvaluatorBench {
    /** The benchmark filter's name (BenchFilters). */
    @Param({"port80", "ports10", "ipv6addr", "payload"})
    public String filter;

    private FilterProgram program;
    private final List<byte[]> packets = new ArrayList<>();
    private final List<Address> addresses = new ArrayList<>();

    /** Loads the corpus and compiles the filter. */
    @Setup
    public void setup() throws IOException, FilterException {
        program = FilterProgram.of(FilterCompiler.compile(BenchFilters.named(filter).divert(), Layer.NETWORK)
                .instructions());
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(Path.of(System.getProperty("divert4j.bench.dir"),
                "corpus.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            byte[] p = new byte[b.getInt()];
            boolean outbound = b.get() != 0;
            b.get(p);
            packets.add(p);
            boolean ipv6 = (p[0] & 0xF0) == 0x60;
            addresses.add(Address.network(outbound, ipv6));
        }
    }

    /** One pass over the corpus; returns the matches so the work cannot be dropped. */
    @Benchmark
    public int corpus() throws FilterEvaluationException {
        int matches = 0;
        for (int i = 0; i < packets.size(); i++) {
            if (program.evaluate(packets.get(i), addresses.get(i))) {
                matches++;
            }
        }
        return matches;
    }
}
