package org.divert4j.packet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The distinct packets of tests/vectors/windivert-suite.jsonl, by the first case that uses each. */
final class SuitePackets {
    private static final Pattern CASE = Pattern.compile("\"name\":\"([^\"]+)\".*?\"packet\":\"([0-9a-f]+)\"");

    private SuitePackets() {
    }

    static Path repoRoot() {
        String root = System.getProperty("divert4j.root");
        Path p = root != null && !root.isEmpty() ? Path.of(root) : Path.of("../..");
        return p.toAbsolutePath().normalize();
    }

    static Map<String, String> distinct() {
        Map<String, String> byPacket = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(repoRoot().resolve("tests/vectors/windivert-suite.jsonl"))) {
                Matcher m = CASE.matcher(line);
                if (m.find()) {
                    byPacket.putIfAbsent(m.group(2), m.group(1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> byName = new LinkedHashMap<>();
        byPacket.forEach((packet, name) -> byName.put(name, packet));
        return byName;
    }
}
