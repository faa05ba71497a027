package org.divert4j.cli;

import java.nio.file.Path;
import org.divert4j.api.Device;
import org.divert4j.api.DriverFiles;
import org.divert4j.api.spi.DriverManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code divert4j driver install}: installs and starts the driver service. */
@Command(name = "install", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j driver install --driver-file C:\\\\divert4j\\\\divert4j.sys",
        description = "Install and start the driver as a demand-start kernel service; it unloads when its last handle closes.")
final class DriverInstallCommand extends DriverManagerCommand {
    @Option(names = "--driver-file", paramLabel = "FILE",
            description = "the driver (default: -Ddivert4j.driver, else " + Device.DIVERT4J_DRIVER_FILE + " next to the jar)")
    Path driverFile;

    @Override
    void run(DriverManager manager) {
        Path file = DriverFiles.locate(driverFile);
        manager.install(file);
        spec.commandLine().getOut().println("installed and started " + Device.DIVERT4J_SERVICE + " from " + file);
    }
}
