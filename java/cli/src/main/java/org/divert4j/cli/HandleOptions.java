package org.divert4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Supplier;
import org.divert4j.abi.Abi;
import org.divert4j.abi.Layer;
import org.divert4j.abi.OpenFlag;
import org.divert4j.api.Device;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.Transports;
import org.divert4j.api.spi.DeviceTransport;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Options every handle-opening command shares: priority, device, driver installation. */
final class HandleOptions {
    /** The transport commands open handles with, if not the platform's; tests substitute a scripted one. */
    static Supplier<DeviceTransport> transportOverride;

    /** The transport to use: the override, else the platform's (which may fail with error 50). */
    static DeviceTransport transport() {
        return transportOverride != null ? transportOverride.get() : Transports.platform();
    }

    @Option(names = "--priority", defaultValue = "0", paramLabel = "N",
            description = "handle priority, -30000 (lowest) .. 30000 (highest); default 0")
    int priority;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "D",
            description = "auto (divert4j, else an installed WinDivert), divert4j, windivert")
    String device;

    @Option(names = "--no-install", description = "never install the driver on demand")
    boolean noInstall;

    @Option(names = "--driver-file", paramLabel = "FILE",
            description = "driver to install on demand (default: -Ddivert4j.driver, else divert4j.sys next to the jar)")
    Path driverFile;

    /** Checks the values; usage errors (exit 2) name the option. */
    void validate(CommandSpec spec) {
        if (priority < Abi.PRIORITY_LOWEST || priority > Abi.PRIORITY_HIGHEST) {
            throw new ParameterException(spec.commandLine(), "--priority must be in -30000..30000: " + priority);
        }
        device(spec);
    }

    private Device device(CommandSpec spec) {
        try {
            return Device.valueOf(device.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(),
                    "--device must be auto, divert4j or windivert: '" + device + "'");
        }
    }

    /** A builder with these options applied. */
    DivertHandle.Builder builder(CommandSpec spec, String filter, Layer layer, OpenFlag... flags) {
        DivertHandle.Builder b = DivertHandle.builder().filter(filter).layer(layer).priority(priority)
                .flags(flags).device(device(spec));
        if (transportOverride != null) {
            b.transport(transportOverride.get());
        }
        if (noInstall) {
            b.flags(OpenFlag.NO_INSTALL);
        }
        if (driverFile != null) {
            b.driverFile(driverFile);
        }
        return b;
    }

    /** Parses a --layer value, restricted to {@code allowed}; a usage error otherwise. */
    static Layer layer(CommandSpec spec, String value, Layer... allowed) {
        Layer l;
        try {
            l = Layer.parse(value);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--layer: " + e.getMessage());
        }
        for (Layer a : allowed) {
            if (a == l) {
                return l;
            }
        }
        throw new ParameterException(spec.commandLine(), "--layer " + l + " is not supported by this command");
    }
}
