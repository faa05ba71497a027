package org.divert4j.cli;

import org.divert4j.api.Device;
import org.divert4j.api.spi.DriverManager;
import picocli.CommandLine.Command;

/** {@code divert4j driver uninstall}: stops and deletes the driver service. */
@Command(name = "uninstall", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j driver uninstall",
        description = "Stop and delete the driver service.")
final class DriverUninstallCommand extends DriverManagerCommand {
    @Override
    void run(DriverManager manager) {
        manager.uninstall();
        spec.commandLine().getOut().println("uninstalled " + Device.DIVERT4J_SERVICE);
    }
}
