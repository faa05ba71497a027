package org.divert4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.divert4j.abi.Event;
import org.divert4j.abi.Layer;
import org.divert4j.abi.OpenFlag;
import org.divert4j.abi.Shutdown;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import org.divert4j.api.spi.DriverManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/**
 * {@code divert4j ctl list|watch|kill|uninstall}: the divert handles on this machine, through a
 * REFLECT handle (WinDivert's windivertctl).
 */
@Command(name = "ctl", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j ctl list --filter \"layer == NETWORK\"",
        description = {"Inspect and control the divert handles open on this machine (REFLECT layer).",
            "list: print open handles; watch: print handles as they open and close (until Ctrl-C);",
            "kill: terminate the processes holding matching handles; uninstall: kill, then uninstall the driver."})
final class CtlCommand extends HandleCommand {
    private enum Action { LIST, WATCH, KILL, UNINSTALL }

    @Parameters(index = "0", paramLabel = "ACTION", description = "list, watch, kill or uninstall")
    String action;

    @Option(names = "--filter", defaultValue = "true", paramLabel = "FILTER",
            description = "REFLECT-layer filter selecting handles, e.g. \"layer == NETWORK\" (default: true)")
    String filter;

    @Option(names = "--json", description = "one JSON object per handle or event")
    boolean json;

    private Action parsed;
    private final List<Long> pids = new ArrayList<>();

    @Override
    void validate() {
        try {
            parsed = Action.valueOf(action.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "ACTION must be list, watch, kill or uninstall: '" + action + "'");
        }
    }

    @Override
    DivertHandle open() {
        return handleOptions.builder(spec, filter, Layer.REFLECT, OpenFlag.SNIFF, OpenFlag.RECV_ONLY).open();
    }

    @Override
    void run(DivertHandle handle) {
        if (parsed != Action.WATCH) {
            // The snapshot of open handles is queued first; after it the drained queue reports no data.
            handle.shutdown(Shutdown.RECV);
        }
        for (DivertPacket p : handle) {
            if (parsed != Action.WATCH && p.address().event() != Event.REFLECT_OPEN.value()) {
                continue;
            }
            stats.packet(p);
            out().println(Describe.line(p, handle::toEpochNanos, json));
            long pid = Integer.toUnsignedLong(p.address().reflect().processId());
            if (!pids.contains(pid)) {
                pids.add(pid);
            }
        }
        if (parsed == Action.KILL || parsed == Action.UNINSTALL) {
            kill();
        }
        if (parsed == Action.UNINSTALL) {
            handle.close();
            DriverManager m = HandleOptions.transport().driverManager().orElseThrow(() ->
                    org.divert4j.api.DivertException.of(50, "ctl uninstall", "this platform has no kernel driver to manage"));
            m.uninstall();
            out().println("driver uninstalled");
        }
    }

    private void kill() {
        long self = ProcessHandle.current().pid();
        for (long pid : pids) {
            if (pid == self) {
                continue;
            }
            boolean killed = ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false);
            out().println((killed ? "killed process " : "could not kill process ") + pid);
            if (killed) {
                stats.drops.incrementAndGet();
            }
        }
    }
}
