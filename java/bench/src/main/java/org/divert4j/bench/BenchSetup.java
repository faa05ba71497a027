package org.divert4j.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.divert4j.abi.Layer;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.object.FilterObject;
import org.divert4j.packet.Hex;
import org.divert4j.vectors.VectorCase;

/**
 * Prepares the benchmark inputs and prints the instruction-count figures.
 *
 * <p>{@code BenchSetup ROOT OUTDIR} writes {@code corpus.bin} (every distinct NETWORK-layer
 * vector packet as {@code u32 length LE, u8 outbound, bytes}), {@code filters.txt}
 * ({@code name TAB pcap-expression TAB filter}) and {@code NAME.prog} (our optimized program as
 * the driver receives it), then prints {@code insn_*} figures over the syntax vectors that carry
 * WinDivert's object.
 */
public final class BenchSetup {
    private BenchSetup() {
    }

    /** Entry point. */
    public static void main(String[] args) throws IOException, FilterException {
        Path root = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        writeCorpus(root, out);
        StringBuilder index = new StringBuilder();
        for (BenchFilters.Filter f : BenchFilters.ALL) {
            List<Instruction> program = FilterCompiler.compile(f.divert(), Layer.NETWORK).instructions();
            Files.write(out.resolve(f.name() + ".prog"), Instruction.encodeProgram(program));
            index.append(f.name()).append('\t').append(f.pcap()).append('\t').append(f.divert()).append('\n');
        }
        Files.writeString(out.resolve("filters.txt"), index.toString());
        instructionFigures(root);
    }

    private static void writeCorpus(Path root, Path out) throws IOException {
        Set<String> seen = new HashSet<>();
        ByteBuffer b = ByteBuffer.allocate(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
        int n = 0;
        for (String file : List.of("oracle-eval.jsonl", "windivert-suite.jsonl")) {
            for (VectorCase c : VectorCase.read(root.resolve("tests/vectors").resolve(file))) {
                if (c.layer() == Layer.NETWORK && c.packet() != null
                        && seen.add(c.address().outbound() + Hex.encode(c.packet()))) {
                    b.putInt(c.packet().length).put((byte) (c.address().outbound() ? 1 : 0)).put(c.packet());
                    n++;
                }
            }
        }
        Files.write(out.resolve("corpus.bin"), java.util.Arrays.copyOf(b.array(), b.position()));
        System.out.println("corpus_packets: " + n);
    }

    private static void instructionFigures(Path root) throws FilterException {
        double sum = 0;
        long ours = 0;
        long straight = 0;
        long theirs = 0;
        int n = 0;
        for (VectorCase c : VectorCase.read(root.resolve("tests/vectors/oracle-syntax.jsonl"))) {
            if (c.object() == null) {
                continue;
            }
            int windivert = FilterObject.decode(c.object()).size();
            int optimized = FilterCompiler.compile(c.filter(), c.layer()).instructions().size();
            sum += (double) optimized / windivert;
            ours += optimized;
            straight += FilterCompiler.compile(c.filter(), c.layer(), false).instructions().size();
            theirs += windivert;
            n++;
        }
        System.out.printf("insn_vs_windivert: %.3f%n", sum / n);
        System.out.printf("insn_filters: %d%n", n);
        System.out.printf("insn_ours_total: %d%n", ours);
        System.out.printf("insn_straightforward_total: %d%n", straight);
        System.out.printf("insn_windivert_total: %d%n", theirs);
    }
}
