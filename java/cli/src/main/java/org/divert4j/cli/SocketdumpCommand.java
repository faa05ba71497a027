package org.divert4j.cli;

import java.util.EnumSet;
import org.divert4j.abi.Layer;
import org.divert4j.abi.OpenFlag;
import org.divert4j.api.DivertHandle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code divert4j socketdump}: socket operations (WinDivert's socketdump). */
@Command(name = "socketdump", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j socketdump --block \"event == CONNECT and remotePort == 23\"",
        description = "Print socket operations (bind, connect, listen, accept, close); --block makes matching operations fail.")
final class SocketdumpCommand extends EventDumpCommand {
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
