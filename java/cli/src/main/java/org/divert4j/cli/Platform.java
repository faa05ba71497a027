package org.divert4j.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.platform.win32.Kernel32;
import com.sun.jna.platform.win32.Wincon;
import com.sun.jna.ptr.IntByReference;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** What the command line shows and does differently on Windows and elsewhere. */
final class Platform {
    /** True when running on Windows, the only platform with a kernel driver. */
    static final boolean WINDOWS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

    /**
     * Options that only mean something to the Windows driver: which device to open (Linux has
     * one in-process host), and installing the driver service on demand.
     */
    static final Set<String> WINDOWS_ONLY_OPTIONS = Set.of("--device", "--no-install", "--driver-file");

    /** Commands that only work with the Windows driver: its service, and the FLOW and SOCKET layers. */
    static final Set<String> WINDOWS_ONLY_COMMANDS = Set.of("driver", "flowtrack", "socketdump");

    private Platform() {
    }

    /**
     * Hides, everywhere in {@code cl}, the options and commands only the Windows driver gives a
     * meaning to. They are still accepted (a script stays portable, and a command that cannot
     * work here says so when run); the help just does not offer them.
     */
    static void hideWindowsOnly(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        for (OptionSpec o : new ArrayList<>(spec.options())) {
            if (!o.hidden() && WINDOWS_ONLY_OPTIONS.contains(o.longestName())) {
                spec.remove(o);
                spec.addOption(OptionSpec.builder(o).hidden(true).build());
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (WINDOWS_ONLY_COMMANDS.contains(sub.getCommandName())) {
                sub.getCommandSpec().usageMessage().hidden(true);
            }
            hideWindowsOnly(sub);
        }
    }

    /** libc's isatty, for terminals on Unix. */
    private interface CLib extends Library {
        int isatty(int fd);
    }

    /**
     * True if standard error ({@code fd} 2) or standard output ({@code fd} 1) is a terminal:
     * a console on Windows, a tty elsewhere. False when that cannot be determined.
     */
    static boolean isTerminal(int fd) {
        try {
            if (WINDOWS) {
                var h = Kernel32.INSTANCE.GetStdHandle(fd == 2 ? Wincon.STD_ERROR_HANDLE : Wincon.STD_OUTPUT_HANDLE);
                return Kernel32.INSTANCE.GetConsoleMode(h, new IntByReference());
            }
            return Native.load("c", CLib.class).isatty(fd) == 1;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            // No way to tell: behave as for a file or pipe.
            return false;
        }
    }
}
