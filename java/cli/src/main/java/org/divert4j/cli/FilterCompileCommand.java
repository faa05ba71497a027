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
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.nativelib.NativePrefilter;
import org.divert4j.vectors.JsonLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code divert4j filter compile}: a filter's object string (WinDivert's, or the optimized
 * program, or the Linux prefilters), for one filter or a JSON-lines batch.
 */
@Command(name = "compile", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j filter compile -O \"ip and (tcp.DstPort == 80 or tcp.DstPort == 443)\"",
        description = {"Compile a filter (or normalise an object string) for a layer: prints the object string.",
            "With --batch FILE: one JSON object per line with layer and filter; prints"
                + " 'ok OBJECT' or 'error POS MESSAGE' per line."})
final class FilterCompileCommand implements Callable<Integer> {
    @Mixin
    LayerOption layerOption;

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
        Layer layer = layerOption.layer;
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
            throw FilterDiagnostics.invalid(e, filter);
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
