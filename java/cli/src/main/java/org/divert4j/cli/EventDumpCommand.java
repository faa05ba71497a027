package org.divert4j.cli;

import java.util.EnumSet;
import org.divert4j.abi.Layer;
import org.divert4j.abi.OpenFlag;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A command that prints the events of an event layer (FLOW or SOCKET), as text or JSON lines
 * ({@code flowtrack}, {@code socketdump}).
 */
abstract class EventDumpCommand extends HandleCommand {
    @Option(names = "--json", description = "one JSON object per event")
    boolean json;

    @Parameters(paramLabel = "FILTER", defaultValue = "true", description = "filter (default: true)")
    String filter;

    abstract Layer layer();

    abstract EnumSet<OpenFlag> flags();

    @Override
    void validate() {
        // Only the shared options and the filter, which the compiler checks on open.
    }

    @Override
    DivertHandle open() {
        return handleOptions.builder(spec, filter, layer()).flags(flags()).open();
    }

    @Override
    void run(DivertHandle handle) {
        for (DivertPacket p : handle) {
            stats.packet(p);
            out().println(Describe.line(p, handle::toEpochNanos, json));
        }
    }
}
