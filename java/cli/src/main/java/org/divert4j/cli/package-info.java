/**
 * The {@code divert4j} command line (picocli). How its commands are laid out, so that the next
 * one follows suit:
 * <ul>
 * <li>Every command, leaf or group, is one top-level class in a file of its own, named for its
 *     path below {@code divert4j} and ending in {@code Command}: {@code divert4j sniff} is
 *     {@link org.divert4j.cli.SniffCommand}, {@code divert4j filter check} is
 *     {@link org.divert4j.cli.FilterCheckCommand}. {@link org.divert4j.cli.Main} is the root.</li>
 * <li>A group ({@code filter}, {@code packet}, {@code driver}) only declares its help and lists
 *     its subcommands; it has no code. Main lists the top-level commands. {@code ctl ACTION}
 *     is a leaf whose action is a parameter, not a group.</li>
 * <li>What several commands share is a package-private class named for what it is, never a
 *     grab-bag: an abstract base without {@code @Command} for a kind of command
 *     ({@link org.divert4j.cli.HandleCommand}, {@link org.divert4j.cli.CaptureCommand},
 *     {@link org.divert4j.cli.PacketFilterCommand}, {@link org.divert4j.cli.EventDumpCommand},
 *     {@link org.divert4j.cli.DriverManagerCommand}), an options mixin
 *     ({@link org.divert4j.cli.HandleOptions}, {@link org.divert4j.cli.LayerOption}), a converter
 *     ({@link org.divert4j.cli.LayerConverter}) or a helper
 *     ({@link org.divert4j.cli.FilterDiagnostics}, {@link org.divert4j.cli.HexInput}). What only
 *     one command uses stays private in that command.</li>
 * <li>Every command's help ends with an example of that command under
 *     {@link org.divert4j.cli.Main#EXAMPLE}; exit statuses are {@link org.divert4j.cli.ExitCodes}.</li>
 * </ul>
 */
package org.divert4j.cli;
