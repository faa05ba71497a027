package org.divert4j.cli;

import java.util.EnumSet;
import org.divert4j.abi.Layer;
import org.divert4j.abi.OpenFlag;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints the events of an event layer (FLOW or SOCKET), as text or JSON lines. */
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

    /** {@code divert4j flowtrack}: flow established/deleted events (WinDivert's flowtrack). */
    @Command(name = "flowtrack", mixinStandardHelpOptions = true,
            footerHeading = Main.EXAMPLE, footer = "  divert4j flowtrack \"processId == 1234\"",
            description = "Print network flows as they are established and deleted, with their process.")
    static final class Flowtrack extends EventDumpCommand {
        @Override
        Layer layer() {
            return Layer.FLOW;
        }

        @Override
        EnumSet<OpenFlag> flags() {
            return EnumSet.of(OpenFlag.SNIFF, OpenFlag.RECV_ONLY);
        }
    }

    /** {@code divert4j socketdump}: socket operations (WinDivert's socketdump). */
    @Command(name = "socketdump", mixinStandardHelpOptions = true,
            footerHeading = Main.EXAMPLE, footer = "  divert4j socketdump --block \"event == CONNECT and remotePort == 23\"",
            description = "Print socket operations (bind, connect, listen, accept, close); --block makes matching operations fail.")
    static final class Socketdump extends EventDumpCommand {
        @Option(names = "--block", description = "block matching operations instead of only watching them")
        boolean block;

        @Override
        Layer layer() {
            return Layer.SOCKET;
        }

        @Override
        EnumSet<OpenFlag> flags() {
            return block ? EnumSet.of(OpenFlag.RECV_ONLY) : EnumSet.of(OpenFlag.SNIFF, OpenFlag.RECV_ONLY);
        }

        @Override
        void run(DivertHandle handle) {
            super.run(handle);
            if (block) {
                stats.drops.set(stats.packets.get());
            }
        }
    }
}
