package org.divert4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.divert4j.api.Device;
import org.divert4j.api.DivertException;
import org.divert4j.api.DriverFiles;
import org.divert4j.api.spi.DriverManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code divert4j driver install|uninstall|status}: the kernel driver service. */
@Command(name = "driver", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j driver status",
        description = "Install, uninstall or report the divert4j kernel driver (Windows, as Administrator).",
        subcommands = {DriverCommand.Install.class, DriverCommand.Uninstall.class, DriverCommand.Status.class})
final class DriverCommand {

    /** Runs an action against the platform's driver manager; failures are exit 1 with a remedy. */
    abstract static class Action implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        abstract void run(DriverManager manager);

        @Override
        public Integer call() {
            try {
                DriverManager m = HandleOptions.transport().driverManager().orElseThrow(() ->
                        DivertException.of(50, "driver " + spec.name(), "this platform has no kernel driver to manage"));
                run(m);
                return 0;
            } catch (DivertException e) {
                spec.commandLine().getErr().println("divert4j: " + e.getMessage());
                return ExitCodes.INVALID_INPUT;
            }
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            footerHeading = Main.EXAMPLE, footer = "  divert4j driver install --driver-file C:\\\\divert4j\\\\divert4j.sys",
            description = "Install and start the driver as a demand-start kernel service; it unloads when its last handle closes.")
    static final class Install extends Action {
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

    @Command(name = "uninstall", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j driver uninstall",
        description = "Stop and delete the driver service.")
    static final class Uninstall extends Action {
        @Override
        void run(DriverManager manager) {
            manager.uninstall();
            spec.commandLine().getOut().println("uninstalled " + Device.DIVERT4J_SERVICE);
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j driver status",
        description = "Print the driver service's state and file.")
    static final class Status extends Action {
        @Override
        void run(DriverManager manager) {
            DriverManager.Status s = manager.status();
            spec.commandLine().getOut().println(s.service() + ": " + s.state()
                    + (s.binaryPath() == null ? "" : " (" + s.binaryPath() + ")"));
        }
    }
}
