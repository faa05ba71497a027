package org.divert4j.api;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the driver file to install is found. */
public final class DriverFiles {
    private DriverFiles() {
    }

    /**
     * The driver file: {@code configured} if given, else the system property
     * {@code divert4j.driver}, else {@code divert4j.sys} in the directory of the jar holding this
     * library.
     *
     * @param configured an explicit file, or null
     * @return the absolute path of an existing file
     * @throws DivertException.DriverUnavailableException (2) naming the path if there is no such file
     */
    public static Path locate(Path configured) {
        Path file = configured;
        if (file == null) {
            String prop = System.getProperty("divert4j.driver");
            file = prop != null ? Path.of(prop) : besideJar();
        }
        if (file == null || !Files.isRegularFile(file)) {
            throw DivertException.of(WinError.FILE_NOT_FOUND.code(), "install driver",
                    "no driver file at " + (file == null ? "(unknown jar location)" : file.toAbsolutePath()));
        }
        return file.toAbsolutePath();
    }

    private static Path besideJar() {
        var source = DriverFiles.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return null;
        }
        try {
            Path code = Path.of(source.getLocation().toURI());
            Path dir = Files.isDirectory(code) ? code : code.getParent();
            return dir == null ? null : dir.resolve(Device.DIVERT4J_DRIVER_FILE);
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }
}
