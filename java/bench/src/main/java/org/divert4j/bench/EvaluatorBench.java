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
import org.divert4j.filter.eval.PreparedProgram;
import org.divert4j.packet.Decomposer;
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
 * prepared once and the packets decomposed into one reused {@link Decomposer}, as a user
 * evaluating many packets keeps them.
 * The corpus directory comes from the system property {@code divert4j.bench.dir}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EvaluatorBench {
    /** The benchmark filter's name (BenchFilters). */
    @Param({"port80", "ports10", "ipv6addr", "payload"})
    public String filter;

    private PreparedProgram program;
    /** corpus.bin as read: the packets are evaluated in place, as the C bench does. */
    private ByteBuffer corpus;
    private int[] offsets;
    private int[] lengths;
    private Address[] addresses;
    private final Decomposer decomposer = new Decomposer();

    /** Loads the corpus and compiles the filter. */
    @Setup
    public void setup() throws IOException, FilterException {
        program = PreparedProgram.of(FilterCompiler.compile(BenchFilters.named(filter).divert(), Layer.NETWORK)
                .instructions());
        corpus = ByteBuffer.wrap(Files.readAllBytes(Path.of(System.getProperty("divert4j.bench.dir"),
                "corpus.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        List<int[]> ranges = new ArrayList<>();
        List<Address> addressList = new ArrayList<>();
        for (int at = 0; at < corpus.limit();) {
            int length = corpus.getInt(at);
            boolean outbound = corpus.get(at + 4) != 0;
            ranges.add(new int[] {at + 5, length});
            addressList.add(Address.network(outbound, (corpus.get(at + 5) & 0xF0) == 0x60));
            at += 5 + length;
        }
        offsets = ranges.stream().mapToInt(r -> r[0]).toArray();
        lengths = ranges.stream().mapToInt(r -> r[1]).toArray();
        addresses = addressList.toArray(new Address[0]);
    }

    /** One pass over the corpus; returns the matches so the work cannot be dropped. */
    @Benchmark
    public int corpus() throws FilterEvaluationException {
        int matches = 0;
        for (int i = 0; i < offsets.length; i++) {
            if (program.evaluate(corpus, offsets[i], lengths[i], addresses[i], decomposer)) {
                matches++;
            }
        }
        return matches;
    }
}
