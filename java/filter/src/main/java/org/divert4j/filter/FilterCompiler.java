package org.divert4j.filter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.ListTokenSource;
import org.antlr.v4.runtime.Token;
import org.divert4j.abi.Layer;
import org.divert4j.filter.compiler.Ast;
import org.divert4j.filter.compiler.AstFactory;
import org.divert4j.filter.compiler.CodeGenerator;
import org.divert4j.filter.compiler.FilterParser;
import org.divert4j.filter.compiler.FilterTokenizer;
import org.divert4j.filter.compiler.Lint;
import org.divert4j.filter.compiler.ParseFailure;
import org.divert4j.filter.format.FilterFormatter;
import org.divert4j.filter.object.FilterFlags;
import org.divert4j.filter.object.FilterObject;
import org.divert4j.filter.object.InvalidProgramException;
import org.divert4j.filter.object.ProgramValidator;
import org.divert4j.filter.optimize.ProgramOptimizer;

/**
 * Compiles WinDivert 2.2 filters exactly as {@code WinDivertHelperCompileFilter} does
 * (docs/spec/filter-language.md, docs/spec/filter-object.md): the same filters are accepted, with the same error
 * codes and positions, and (unoptimized) the same programs and object strings are produced.
 *
 * <pre>{@code
 * FilterCompiler.compile("tcp.DstPort == 80 and outbound", Layer.NETWORK, false).object();
 *                    // "@WinDiv_WY_1dWW2mLXX_YXWWAX" (WinDivert's program; optimized by default)
 * FilterCompiler.compile(...).warnings();      // lint: folded tests, wide constants, FlowLabel, not on absent headers...
 * FilterCompiler.format("(tcp ? true : udp)", Layer.NETWORK);   // "tcp or udp"
 * }</pre>
 *
 * <p>Filter text is taken as its UTF-8 bytes up to the first NUL; error positions are byte
 * offsets into them. Text starting with {@code @} is an object string: it is decoded and
 * re-encoded canonically, without layer checks or folding. Stateless and thread-safe; any input
 * finishes quickly (the token budget bounds all work).
 */
public final class FilterCompiler {
    private FilterCompiler() {
    }

    /**
     * Compiles filter text or an object string for a layer, optimized (see
     * {@link #compile(String, Layer, boolean)}).
     *
     * @throws FilterException the WinDivert error with its position and what was expected
     */
    public static CompiledFilter compile(String filter, Layer layer) throws FilterException {
        return compile(filter, layer, true);
    }

    /**
     * Compiles filter text or an object string for a layer.
     *
     * @param optimize whether filter text gets the {@link ProgramOptimizer}'s equivalent, shorter
     *     program; without it the program and object string are exactly WinDivert's. Object
     *     strings are never optimized. The flags are the same either way.
     * @throws FilterException the WinDivert error with its position and what was expected
     */
    public static CompiledFilter compile(String filter, Layer layer, boolean optimize) throws FilterException {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(layer, "layer");
        List<Instruction> program;
        List<FilterWarning> warnings = new ArrayList<>();
        String text = bytes(filter);
        if (FilterObject.isObject(filter)) {
            program = FilterObject.decode(filter);
        } else {
            Ast.Node tree = parse(text, layer);
            CodeGenerator.Program generated = CodeGenerator.program(tree);
            warnings.addAll(Lint.check(tree, text, generated, layer));
            program = generated.instructions();
        }
        try {
            ProgramValidator.validate(program, layer);
        } catch (InvalidProgramException e) {
            warnings.add(new FilterWarning(FilterWarning.Kind.DRIVER_REFUSES, 0, text.length(),
                    "a driver refuses this program at layer " + layer + " (" + e.getMessage()
                    + "), so WinDivertOpen fails; only the helper functions accept it"));
        }
        long flags = FilterFlags.compute(program, layer);
        if (optimize && !FilterObject.isObject(filter)) {
            program = ProgramOptimizer.optimize(program, layer);
        }
        return new CompiledFilter(layer, FilterObject.encode(program), program, flags, warnings);
    }

    /**
     * The filter as {@code WinDivertHelperFormatFilter} prints it: compiled (and folded) for the
     * layer, then decompiled (docs/spec/filter-object.md (d)).
     *
     * @throws FilterException if the filter does not compile, or its text would be too long
     */
    public static String format(String filter, Layer layer) throws FilterException {
        return FilterFormatter.format(compile(filter, layer, false).instructions(), layer);
    }

    /**
     * The parse tree of filter text (tokenized for the layer, no folding yet).
     *
     * @param text the filter as bytes, one char per byte, without NUL (see {@link #bytes})
     */
    static Ast.Node parse(String text, Layer layer) throws FilterException {
        List<Token> tokens = FilterTokenizer.tokenize(text, layer);
        FilterParser parser = new FilterParser(new CommonTokenStream(new ListTokenSource(tokens)));
        try {
            return AstFactory.build(parser.filter());
        } catch (ParseFailure e) {
            throw e.error();
        }
    }

    /** The filter's bytes up to the first NUL, one char per byte. */
    static String bytes(String filter) {
        String s = new String(filter.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        int nul = s.indexOf('\0');
        return nul < 0 ? s : s.substring(0, nul);
    }
}
