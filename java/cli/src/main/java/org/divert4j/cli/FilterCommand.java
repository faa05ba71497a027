package org.divert4j.cli;

import picocli.CommandLine.Command;

/** {@code divert4j filter ...}: the filter language tools. */
@Command(name = "filter", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j filter check \"tcp.DstPort == 80 and outbound\"",
        description = "Check, compile, format and evaluate WinDivert filters.",
        subcommands = {FilterCheckCommand.class, FilterCompileCommand.class, FilterFormatCommand.class,
                FilterEvalCommand.class})
final class FilterCommand {
}
