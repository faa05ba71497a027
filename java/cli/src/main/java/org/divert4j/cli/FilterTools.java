package org.divert4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.divert4j.abi.Layer;
import org.divert4j.filter.CompiledFilter;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.FilterWarning;
import org.divert4j.nativelib.NativePrefilter;
import org.divert4j.vectors.JsonLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code divert4j filter check|compile|format}: the compiler and formatter on the command line. */
final class FilterTools {
    private FilterTools() {
    }

    /** Accepts layer names (case-insensitive, {@code forward} too) and the numbers 0…4. */
    static final class LayerConverter implements ITypeConverter<Layer> {
        @Override
        public Layer convert(String value) {
            String v = value.trim();
            if (v.length() == 1 && v.charAt(0) >= '0' && v.charAt(0) <= '4') {
                return Layer.of(v.charAt(0) - '0');
            }
            return Layer.parse(v);
        }
    }

    /** The filter text as bytes, one char per byte, so that carets line up with byte offsets. */
    static String asBytes(String filter) {
        return new String(filter.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    static InvalidInputException invalid(FilterException e, String filter) {
        return new InvalidInputException(e.render(asBytes(filter)));
    }

    /** A caret line under bytes [start, end) of the filter. */
    static String underline(String filter, int start, int end) {
        String bytes = asBytes(filter);
        StringBuilder line = new StringBuilder("  ");
        for (int i = 0; i < bytes.length(); i++) {
            char c = bytes.charAt(i);
            line.append(c < 0x20 || c > 0x7E ? ' ' : c);
        }
        return line + "\n  " + " ".repeat(start) + "^".repeat(Math.max(1, end - start));
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            footerHeading = Main.EXAMPLE, footer = "  divert4j filter check --layer SOCKET \"event == CONNECT and remotePort == 443\"",
            description = "Check a filter for a layer: prints ok and warnings, or the error with a caret.")
    static final class Check implements Callable<Integer> {
        @Option(names = "--layer", defaultValue = "NETWORK", converter = LayerConverter.class,
                description = "NETWORK (default), NETWORK_FORWARD, FLOW, SOCKET, REFLECT")
        Layer layer;

        @Parameters(paramLabel = "FILTER")
        String filter;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            CompiledFilter f;
            try {
                f = FilterCompiler.compile(filter, layer);
            } catch (FilterException e) {
                throw invalid(e, filter);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("ok");
            for (FilterWarning w : f.warnings()) {
                out.println(w);
                out.println(underline(filter, w.start(), w.end()));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "compile", mixinStandardHelpOptions = true,
            footerHeading = Main.EXAMPLE, footer = "  divert4j filter compile -O \"ip and (tcp.DstPort == 80 or tcp.DstPort == 443)\"",
            description = {"Compile a filter (or normalise an object string) for a layer: prints the object string.",
                "With --batch FILE: one JSON object per line with layer and filter; prints"
                    + " 'ok OBJECT' or 'error POS MESSAGE' per line."})
    static final class Compile implements Callable<Integer> {
        @Option(names = "--layer", defaultValue = "NETWORK", converter = LayerConverter.class,
                description = "NETWORK (default), NETWORK_FORWARD, FLOW, SOCKET, REFLECT")
        Layer layer;

        @Option(names = "--batch", paramLabel = "FILE", description = "JSON-lines file of {layer, filter}")
        Path batch;

        @Option(names = {"-O", "--optimize"}, description = "print the optimized program (what the API sends to the"
                + " driver) instead of WinDivert's own object")
        boolean optimize;

        @Option(names = "--bpf", description = "print the in-kernel prefilters the Linux host installs for the filter"
                + " (classic BPF per netfilter chain, with whether each is exact), from libdivert4j.so")
        boolean bpf;

        @Parameters(paramLabel = "FILTER", arity = "0..1")
        String filter;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if ((batch == null) == (filter == null)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "give either FILTER or --batch FILE");
            }
            if (bpf && (batch != null || (layer != Layer.NETWORK && layer != Layer.NETWORK_FORWARD))) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--bpf takes one FILTER at the NETWORK or NETWORK_FORWARD layer");
            }
            if (batch != null) {
                return batch();
            }
            try {
                if (bpf) {
                    PrintWriter out = spec.commandLine().getOut();
                    out.print(NativePrefilter.describe(FilterCompiler.compile(filter, layer).instructions(), layer));
                    out.flush();
                    return 0;
                }
                spec.commandLine().getOut().println(FilterCompiler.compile(filter, layer, optimize).object());
            } catch (FilterException e) {
                throw invalid(e, filter);
            }
            return 0;
        }

        private int batch() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            int lineNo = 0;
            try (BufferedReader in = Files.newBufferedReader(batch, StandardCharsets.UTF_8)) {
                for (String line; (line = in.readLine()) != null; ) {
                    lineNo++;
                    if (line.isBlank()) {
                        continue;
                    }
                    out.write(compileLine(line, lineNo));
                    out.write('\n');
                }
            } catch (NoSuchFileException e) {
                throw new InvalidInputException("no such file: " + batch);
            } finally {
                out.flush();
            }
            return 0;
        }

        private String compileLine(String line, int lineNo) {
            Map<String, Object> row;
            Layer l;
            try {
                row = JsonLine.parse(line);
                Object name = row.get("layer");
                l = name == null ? Layer.NETWORK : new LayerConverter().convert(
                        name instanceof JsonLine.JsonNumber n ? n.text() : (String) name);
            } catch (IllegalArgumentException | ClassCastException e) {
                throw new InvalidInputException(batch + ":" + lineNo + ": " + e.getMessage());
            }
            if (!(row.get("filter") instanceof String text)) {
                throw new InvalidInputException(batch + ":" + lineNo + ": no \"filter\" string");
            }
            try {
                return "ok " + FilterCompiler.compile(text, l, optimize).object();
            } catch (FilterException e) {
                return "error " + Integer.toUnsignedString(e.position()) + " " + e.error().message();
            }
        }
    }

    @Command(name = "format", mixinStandardHelpOptions = true,
            footerHeading = Main.EXAMPLE, footer = "  divert4j filter format \"not (tcp or udp) and ip\"",
            description = "Print a filter or object string as WinDivertHelperFormatFilter does (compiled, folded, decompiled).")
    static final class Format implements Callable<Integer> {
        @Option(names = "--layer", defaultValue = "NETWORK", converter = LayerConverter.class,
                description = "NETWORK (default), NETWORK_FORWARD, FLOW, SOCKET, REFLECT")
        Layer layer;

        @Parameters(paramLabel = "FILTER_OR_OBJECT")
        String filter;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try {
                spec.commandLine().getOut().println(FilterCompiler.format(filter, layer));
            } catch (FilterException e) {
                throw invalid(e, filter);
            }
            return 0;
        }
    }
}
