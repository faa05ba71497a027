package org.divert4j.filter.compiler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.divert4j.abi.Layer;
import org.divert4j.vectors.JsonLine;

/** Reads the shared vectors from tests/vectors/ of the repository. */
final class Vectors {
    private Vectors() {
    }

    static Path dir() {
        String root = System.getProperty("divert4j.root");
        Path base = root != null ? Paths.get(root) : Paths.get("../..");
        return base.resolve("tests/vectors");
    }

    static List<Map<String, Object>> read(String file) {
        try {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (String line : Files.readAllLines(dir().resolve(file))) {
                if (!line.isBlank()) {
                    rows.add(JsonLine.parse(line));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Layer layer(Map<String, Object> row) {
        Object l = row.get("layer");
        return l == null ? Layer.NETWORK : Layer.parse((String) l);
    }
}
