package org.divert4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * A command line run in-process as the tests see it: exit status, everything printed (whether a
 * command writes through picocli's writer or to System.out, as the batch commands do) and stderr.
 */
record CliRun(int status, String out, String err) {

    /** Runs args against the CLI of this platform. */
    static CliRun run(String... args) {
        return run(Main::commandLine, args);
    }

    /**
     * Runs args against the command line cli makes, made after System.out is redirected: one
     * made before it kept printing to the real System.out despite setOut.
     */
    static CliRun run(Supplier<CommandLine> cli, String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        PrintStream printed = new PrintStream(out, true, StandardCharsets.UTF_8);
        try {
            System.setOut(printed);
            CommandLine cl = cli.get();
            cl.setOut(new PrintWriter(printed, true));
            cl.setErr(new PrintWriter(err, true));
            int status = cl.execute(args);
            cl.getOut().flush();
            return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(saved);
        }
    }
}
