package org.divert4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code divert4j} command; its exit status is one of {@link ExitCodes}.
 */
@Command(name = "divert4j", mixinStandardHelpOptions = true, version = "divert4j 0.1.0",
        description = "Packet divert toolkit: WinDivert 2.2 compatible filters, packets and handles.",
        footerHeading = Main.EXAMPLE, footer = "  divert4j sniff --count 10 \"tcp.DstPort == 443\"",
        subcommands = {FilterCommand.class, PacketCommand.class,
            DriverCommand.class, SniffCommand.class, StatsCommand.class, DropCommand.class, PassthruCommand.class,
            FlowtrackCommand.class, SocketdumpCommand.class, CtlCommand.class,
            BlockCommand.class, WebfilterCommand.class, StreamdumpCommand.class})
public final class Main {

    /** The heading of the example every command's help ends with. */
    static final String EXAMPLE = "%nExample:%n";

    private Main() {
    }

    /** Builds the command line with the project's exit codes and error handling, for this platform. */
    public static CommandLine commandLine() {
        return commandLine(Platform.WINDOWS);
    }

    /**
     * Builds the command line; unless {@code windows}, the help leaves out what only the
     * Windows driver gives a meaning to.
     */
    static CommandLine commandLine(boolean windows) {
        CommandLine cl = new CommandLine(new Main());
        if (!windows) {
            Platform.hideWindowsOnly(cl);
        }
        cl.setExitCodeExceptionMapper(t -> t instanceof InvalidInputException ? ExitCodes.INVALID_INPUT : ExitCodes.USAGE);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof InvalidInputException) {
                commandLine.getErr().println("divert4j: " + ex.getMessage());
                return ExitCodes.INVALID_INPUT;
            }
            throw ex;
        });
        return cl;
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
