package org.divert4j.cli;

import java.util.concurrent.Callable;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code divert4j filter format}: a filter as WinDivert's formatter prints it. */
@Command(name = "format", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j filter format \"not (tcp or udp) and ip\"",
        description = "Print a filter or object string as WinDivertHelperFormatFilter does (compiled, folded, decompiled).")
final class FilterFormatCommand implements Callable<Integer> {
    @Mixin
    LayerOption layerOption;

    @Parameters(paramLabel = "FILTER_OR_OBJECT")
    String filter;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try {
            spec.commandLine().getOut().println(FilterCompiler.format(filter, layerOption.layer));
        } catch (FilterException e) {
            throw FilterDiagnostics.invalid(e, filter);
        }
        return 0;
    }
}
