package org.divert4j.cli;

import java.util.EnumSet;
import org.divert4j.abi.Layer;
import org.divert4j.abi.OpenFlag;
import picocli.CommandLine.Command;

/** {@code divert4j flowtrack}: flow established/deleted events (WinDivert's flowtrack). */
@Command(name = "flowtrack", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j flowtrack \"processId == 1234\"",
        description = "Print network flows as they are established and deleted, with their process.")
final class FlowtrackCommand extends EventDumpCommand {
    @Override
    Layer layer() {
        return Layer.FLOW;
    }

    @Override
    EnumSet<OpenFlag> flags() {
        return EnumSet.of(OpenFlag.SNIFF, OpenFlag.RECV_ONLY);
    }
}
