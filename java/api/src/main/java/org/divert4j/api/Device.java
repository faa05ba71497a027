package org.divert4j.api;

/**
 * Which driver a handle talks to. Both speak the same protocol (docs/spec/README.md §1).
 */
public enum Device {
    /** divert4j's own driver ({@code \\.\Divert4j}); falls back to WinDivert when only that one is present. */
    AUTO,
    /** divert4j's driver only. */
    DIVERT4J,
    /** The official WinDivert 2.2 driver ({@code \\.\WinDivert}); it is never installed by this library. */
    WINDIVERT;

    /** The device path divert4j's driver exposes. */
    public static final String DIVERT4J_PATH = "\\\\.\\Divert4j";
    /** The device path of the official WinDivert driver. */
    public static final String WINDIVERT_PATH = "\\\\.\\WinDivert";
    /** divert4j's service name. */
    public static final String DIVERT4J_SERVICE = "divert4j";
    /** divert4j's driver file name. */
    public static final String DIVERT4J_DRIVER_FILE = "divert4j.sys";
    /** The named mutex that serialises driver installation. */
    public static final String DIVERT4J_INSTALL_MUTEX = "Divert4jDriverInstallMutex";
}
