package org.divert4j.cli;

import java.util.concurrent.Callable;
import org.divert4j.api.DivertException;
import org.divert4j.api.spi.DriverManager;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A {@code driver} subcommand: runs an action against the platform's driver manager; failures
 * are exit 1 with a remedy.
 */
abstract class DriverManagerCommand implements Callable<Integer> {
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
