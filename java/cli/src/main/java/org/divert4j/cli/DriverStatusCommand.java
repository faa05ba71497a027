package org.divert4j.cli;

import org.divert4j.api.spi.DriverManager;
import picocli.CommandLine.Command;

/** {@code divert4j driver status}: the driver service's state and file. */
@Command(name = "status", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j driver status",
        description = "Print the driver service's state and file.")
final class DriverStatusCommand extends DriverManagerCommand {
    @Override
    void run(DriverManager manager) {
        DriverManager.Status s = manager.status();
        spec.commandLine().getOut().println(s.service() + ": " + s.state()
                + (s.binaryPath() == null ? "" : " (" + s.binaryPath() + ")"));
    }
}
