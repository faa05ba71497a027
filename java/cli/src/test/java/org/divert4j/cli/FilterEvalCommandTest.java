package org.divert4j.cli;

import static com.google.common.truth.Truth.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.divert4j.vectors.VectorCase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code divert4j filter eval --batch}: one verdict per line, agreeing with the vectors. */
class FilterEvalCommandTest {

    private static CliRun run(String... args) {
        return CliRun.run(args);
    }

    private static Path vectors(String file) {
        String root = System.getProperty("divert4j.root");
        return (root != null ? Paths.get(root) : Paths.get("../..")).resolve("tests/vectors").resolve(file);
    }

    private static void agrees(String file, int cases, String engine) {
        CliRun r = run("filter", "eval", "--batch", vectors(file).toString(), "--engine", engine);
        assertThat(r.status()).isEqualTo(0);
        List<String> got = r.out().lines().toList();
        List<String> want = new ArrayList<>();
        for (VectorCase c : VectorCase.read(vectors(file))) {
            want.add(c.expect().word());
        }
        List<String> outcomes = got.stream().map(l -> l.startsWith("error: ") ? "error" : l).toList();
        assertThat(outcomes).containsExactlyElementsIn(want).inOrder();
        assertThat(got).hasSize(cases);
    }

    @Test
    void windivertSuiteAgrees() {
        agrees("windivert-suite.jsonl", 241, "java");
    }

    @Test
    void oracleEvalAgrees() {
        agrees("oracle-eval.jsonl", 2200, "java");
    }

    @Test
    void windivertSuiteAgreesWithTheNativeEngine() {
        agrees("windivert-suite.jsonl", 241, "native");
    }

    @Test
    void oracleEvalAgreesWithTheNativeEngine() {
        agrees("oracle-eval.jsonl", 2200, "native");
    }

    @Test
    void errorsCarryAMessageAndBadLinesFailTheRun(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("v.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"layer\":\"FLOW\",\"filter\":\"packet[0] == 0x45\",\"addr\":{}}",
                "",
                "{\"filter\":\"tcp\",\"packet\":\"00\"}",
                "not json",
                "{\"layer\":\"SOCKET\",\"filter\":\"@WinDiv_WX_2cWWaAX\",\"addr\":{\"event\":4}}") + "\n");
        CliRun r = run("filter", "eval", "--batch", f.toString());
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("error: Filter expression contains a bad token for layer");
        assertThat(lines.get(1)).startsWith("error: ");
        assertThat(lines.get(2)).startsWith("error: line 4: invalid vector");
        assertThat(lines.get(3)).isEqualTo("match");
        assertThat(r.status()).isEqualTo(1);
    }

    @Test
    void engines() {
        assertThat(run("filter", "eval", "--batch", "x", "--engine", "rust").status()).isEqualTo(2);
        CliRun missing = run("filter", "eval", "--batch", "/nonexistent/v.jsonl");
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).contains("no such file");
        assertThat(run("filter", "eval").status()).isEqualTo(2);
    }
}
