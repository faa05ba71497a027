package org.divert4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code divert4j filter ...}: the filter language tools. */
@Command(name = "filter", mixinStandardHelpOptions = true,
        description = "Check, compile, format and evaluate WinDivert filters.",
        subcommands = {FilterCommand.Check.class})
final class FilterCommand {

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Check a filter for a layer: prints ok and warnings, or the error with a caret.")
    static final class Check implements Callable<Integer> {
        @Option(names = "--layer", defaultValue = "NETWORK", description = "NETWORK (default), NETWORK_FORWARD, FLOW, SOCKET, REFLECT")
        String layer;

        @Parameters(paramLabel = "FILTER")
        String filter;

        @Override
        public Integer call() {
            System.err.println("divert4j: filter check is not implemented yet (the filter compiler has not landed)");
            return 3;
        }
    }
}
