package org.divert4j.cli;

import picocli.CommandLine.Command;

/** {@code divert4j packet ...}: packet helpers on hex input. */
@Command(name = "packet", mixinStandardHelpOptions = true,
        footerHeading = Main.EXAMPLE, footer = "  divert4j packet parse 4500001c0001000040110000c0a80001c0a8000204d2162e00080000",
        description = "Parse, checksum and hash IP packets given as hex.",
        subcommands = {PacketParseCommand.class, PacketChecksumCommand.class, PacketHashCommand.class})
final class PacketCommand {
}
