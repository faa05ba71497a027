package org.divert4j.filter.compiler;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.util.ArrayList;
import java.util.List;
import org.divert4j.filter.CompiledFilter;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.eval.FilterEvaluationException;
import org.divert4j.filter.eval.FilterEvaluator;
import org.divert4j.filter.eval.Outcome;
import org.divert4j.filter.format.FilterFormatter;
import org.divert4j.filter.object.FilterObject;
import org.divert4j.vectors.VectorCase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * For every evaluation vector: the compiled program gives the expected outcome; its object
 * string decodes to a program with the same outcome that re-encodes to the same string; and the
 * formatted text recompiles to a program with the same outcome (except where the reference's
 * printer makes unparsable text, see {@link GluedColon}).
 */
class RoundTripTest {

    private static Outcome run(List<Instruction> program, VectorCase c) {
        try {
            return FilterEvaluator.evaluate(program, c.packet(), c.address()) ? Outcome.MATCH : Outcome.NOMATCH;
        } catch (FilterEvaluationException e) {
            return Outcome.ERROR;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"windivert-suite.jsonl", "oracle-eval.jsonl"})
    void compileDecodeFormatRecompileAgree(String file) throws FilterException {
        List<String> failures = new ArrayList<>();
        int compiled = 0;
        int identical = 0;
        int glued = 0;
        for (VectorCase c : VectorCase.read(Vectors.dir().resolve(file))) {
            CompiledFilter f;
            try {
                f = FilterCompiler.compile(c.filter(), c.layer(), false);
            } catch (FilterException e) {
                if (c.expect() != Outcome.ERROR) {
                    failures.add(c.name() + ": " + e.getMessage());
                }
                continue;
            }
            compiled++;
            Outcome want = run(f.instructions(), c);
            if (want != c.expect()) {
                failures.add(c.name() + ": " + c.filter() + " gives " + want + ", expected " + c.expect());
                continue;
            }
            if (f.instructions().size() < 256) {
                List<Instruction> decoded = FilterObject.decode(f.object());
                assertThat(FilterObject.encode(decoded)).isEqualTo(f.object());
                if (run(decoded, c) != want) {
                    failures.add(c.name() + ": decoded object " + f.object() + " disagrees");
                }
            }
            String text = FilterFormatter.format(f.instructions(), c.layer());
            List<Instruction> again;
            try {
                again = FilterCompiler.compile(text, c.layer(), false).instructions();
            } catch (FilterException e) {
                if (!GluedColon.explains(text, e)) {
                    failures.add(c.name() + ": " + c.filter() + " formatted as " + text + ": " + e.getMessage());
                }
                glued++;
                continue;
            }
            if (again.equals(f.instructions())) {
                identical++;
            }
            if (run(again, c) != want) {
                failures.add(c.name() + ": " + c.filter() + " formatted as " + text + " disagrees");
            }
        }
        System.out.printf("%s: %d compiled, %d recompile from the formatted text to the identical"
                + " program, %d formatted texts do not parse (reference printer's glued colon)%n",
                file, compiled, identical, glued);
        assertWithMessage(String.join("\n", failures)).that(failures).isEmpty();
        assertThat(compiled).isGreaterThan(0);
    }
}
