package org.divert4j.api;

import java.nio.file.Path;
import java.util.Optional;
import org.divert4j.api.spi.DeviceChannel;
import org.divert4j.api.spi.DeviceOpenException;
import org.divert4j.api.spi.DeviceTransport;
import org.divert4j.api.spi.DriverManager;

/**
 * Opens the device as docs/spec/device-abi.md §4.1 step 4 describes, with our names: {@code \\.\Divert4j}
 * (or {@code \\.\WinDivert} when asked, or when only that one is present); if the driver is not
 * loaded, install it on demand unless NO_INSTALL, then retry once.
 */
final class DeviceOpener {
    /** The name of the Linux transport, whose errors speak of root, not Administrator. */
    static final String LINUX = "linux";

    private DeviceOpener() {
    }

    /** A device that was opened, and its path. */
    record Opened(DeviceChannel channel, String path) {
    }

    static Opened open(DeviceTransport t, Device device, boolean noInstall, Path driverFile) {
        if (device == Device.WINDIVERT) {
            return openOrThrow(t, Device.WINDIVERT_PATH);
        }
        try {
            return new Opened(t.open(Device.DIVERT4J_PATH), Device.DIVERT4J_PATH);
        } catch (DeviceOpenException e) {
            if (e.errorCode() == WinError.ACCESS_DENIED.code() && LINUX.equals(t.name())) {
                throw DivertException.AccessDeniedException.linux(e.getMessage());
            }
            if (!notLoaded(e.errorCode())) {
                throw DivertException.of(e.errorCode(), "open " + Device.DIVERT4J_PATH, null);
            }
        }
        if (device == Device.AUTO) {
            try {
                return new Opened(t.open(Device.WINDIVERT_PATH), Device.WINDIVERT_PATH);
            } catch (DeviceOpenException e) {
                // Not present either: install ours below.
            }
        }
        if (noInstall) {
            throw DivertException.of(WinError.SERVICE_DOES_NOT_EXIST.code(), "open " + Device.DIVERT4J_PATH, null);
        }
        Optional<DriverManager> manager = t.driverManager();
        if (manager.isEmpty()) {
            throw DivertException.of(WinError.FILE_NOT_FOUND.code(), "open " + Device.DIVERT4J_PATH,
                    "the " + t.name() + " transport cannot install drivers");
        }
        manager.get().install(DriverFiles.locate(driverFile));
        return openOrThrow(t, Device.DIVERT4J_PATH);
    }

    private static boolean notLoaded(int error) {
        return error == WinError.FILE_NOT_FOUND.code() || error == WinError.PATH_NOT_FOUND.code();
    }

    private static Opened openOrThrow(DeviceTransport t, String path) {
        try {
            return new Opened(t.open(path), path);
        } catch (DeviceOpenException e) {
            throw DivertException.of(e.errorCode(), "open " + path, null);
        }
    }
}
