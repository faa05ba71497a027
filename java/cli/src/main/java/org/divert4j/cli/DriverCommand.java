package org.divert4j.cli;

import picocli.CommandLine.Command;

/** {@code divert4j driver install|uninstall|status}: the kernel driver service. */
@Command(name = "driver", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j driver status",
        description = "Install, uninstall or report the divert4j kernel driver (Windows, as Administrator).",
        subcommands = {DriverInstallCommand.class, DriverUninstallCommand.class, DriverStatusCommand.class})
final class DriverCommand {
}
