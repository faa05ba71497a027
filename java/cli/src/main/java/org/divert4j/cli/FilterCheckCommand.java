package org.divert4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.divert4j.filter.CompiledFilter;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.FilterWarning;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code divert4j filter check}: whether a filter compiles for a layer, with its warnings. */
@Command(name = "check", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j filter check --layer SOCKET \"event == CONNECT and remotePort == 443\"",
        description = "Check a filter for a layer: prints ok and warnings, or the error with a caret.")
final class FilterCheckCommand implements Callable<Integer> {
    @Mixin
    LayerOption layerOption;

    @Parameters(paramLabel = "FILTER")
    String filter;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CompiledFilter f;
        try {
            f = FilterCompiler.compile(filter, layerOption.layer);
        } catch (FilterException e) {
            throw FilterDiagnostics.invalid(e, filter);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("ok");
        for (FilterWarning w : f.warnings()) {
            out.println(w);
            out.println(FilterDiagnostics.underline(filter, w.start(), w.end()));
        }
        out.flush();
        return 0;
    }
}
