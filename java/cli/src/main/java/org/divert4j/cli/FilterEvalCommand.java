package org.divert4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.divert4j.api.codec.AddressCodec;
import org.divert4j.filter.eval.EvaluationEngine;
import org.divert4j.filter.eval.JavaEngine;
import org.divert4j.filter.eval.Verdict;
import org.divert4j.nativelib.NativeEngine;
import org.divert4j.nativelib.NativeLibrary;
import org.divert4j.nativelib.NativeLibraryException;
import org.divert4j.vectors.VectorCase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code divert4j filter eval --batch FILE [--engine java|native]}: evaluates every vector line
 * of FILE (docs/spec/README.md §2) and prints {@code match}, {@code nomatch} or {@code error: MESSAGE}
 * per line, in one JVM. Blank lines are skipped. A line that is not a valid vector prints
 * {@code error: line N: ...} and makes the exit status 1.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j filter eval --batch tests/vectors/oracle-eval.jsonl",
        description = "Evaluate filters on packets/addresses given as JSON vector lines: "
                + "prints match, nomatch or error: MESSAGE per line.")
final class FilterEvalCommand implements Callable<Integer> {

    @Option(names = "--batch", required = true, paramLabel = "FILE",
            description = "JSON-lines file of vectors (layer, filter, packet, addr); - for standard input")
    String batch;

    @Option(names = "--engine", defaultValue = "java", paramLabel = "ENGINE",
            description = "java (default): the Java evaluator; native: the C core through JNA")
    String engine;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        EvaluationEngine e = engine(engine);
        int status = 0;
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), false);
        try (BufferedReader in = open(batch)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                VectorCase c;
                try {
                    c = VectorCase.parse(line);
                } catch (IllegalArgumentException ex) {
                    out.println(Verdict.error("line " + number + ": invalid vector: " + ex.getMessage()));
                    status = ExitCodes.INVALID_INPUT;
                    continue;
                }
                out.println(e.evaluate(c.filter(), c.packet(), c.address()));
            }
        } catch (IOException ex) {
            throw new InvalidInputException("cannot read " + batch + ": " + ex.getMessage());
        } finally {
            out.flush();
        }
        return status;
    }

    /** The engine named {@code name}: the Java evaluator or the C core through JNA. */
    private EvaluationEngine engine(String name) {
        switch (name) {
            case "java":
                return new JavaEngine();
            case "native":
                try {
                    NativeLibrary.abiVersion();
                } catch (NativeLibraryException e) {
                    throw new InvalidInputException("the native engine is not available: " + e.getMessage());
                }
                return new NativeEngine(AddressCodec::encode);
            default:
                throw new ParameterException(spec.commandLine(),
                        "unknown engine '" + name + "' (expected java or native)");
        }
    }

    private static BufferedReader open(String file) throws IOException {
        if (file.equals("-")) {
            return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        }
        try {
            return Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException ex) {
            throw new InvalidInputException("no such file: " + file);
        }
    }
}
