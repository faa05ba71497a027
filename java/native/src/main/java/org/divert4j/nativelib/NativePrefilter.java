package org.divert4j.nativelib;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import org.divert4j.abi.Layer;
import org.divert4j.filter.Instruction;

/**
 * The in-kernel prefilters the Linux host installs for a handle (driver/core/bpf.h): the classic
 * BPF program of each netfilter chain, as {@code libdivert4j.so} translates the handle's program.
 */
public final class NativePrefilter {
    private static final int TEXT_MAX = 64 * 1024;

    private NativePrefilter() {
    }

    /**
     * Describes the prefilters of {@code program} at {@code layer}: per chain a heading with the
     * instruction count and whether the BPF is exact (or what it answers "maybe" for), the program
     * as {@code tcpdump -d} lists it, and the {@code --bytecode} text of iptables' bpf match.
     *
     * @param program the instructions the host receives (the driver's checks apply: 1 to 255,
     *     fields legal for the layer, constants in range)
     * @param layer NETWORK or NETWORK_FORWARD
     * @return the text, one line per row
     * @throws IllegalArgumentException if the layer has no prefilter or the program does not load
     * @throws NativeLibraryException if the library cannot be loaded
     */
    public static String describe(List<Instruction> program, Layer layer) {
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(layer, "layer");
        byte[] code = Instruction.encodeProgram(program);
        byte[] out = new byte[TEXT_MAX];
        int n = NativeLibrary.divert4j_bpf_describe(code, code.length, layer.value(), out, out.length);
        return switch (n) {
            case -1 -> throw new IllegalArgumentException("the program of " + program.size()
                    + " instructions does not load for " + layer + " (the driver's checks)");
            case -2 -> throw new IllegalArgumentException("only the NETWORK and NETWORK_FORWARD layers have a"
                    + " prefilter, not " + layer);
            case -3 -> throw new IllegalStateException("the prefilter text exceeds " + TEXT_MAX + " bytes");
            default -> new String(out, 0, n, StandardCharsets.US_ASCII);
        };
    }
}
