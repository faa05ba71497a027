package org.divert4j.api.spi;

/**
 * Installs, removes and reports the kernel driver (Windows: the service control manager).
 * Errors are reported as {@link org.divert4j.api.DivertException}s.
 */
public interface DriverManager {

    /** What the service manager knows about a driver service. */
    enum State {
        /** No such service. */
        NOT_INSTALLED,
        /** Installed, not running. */
        STOPPED,
        /** Starting or stopping. */
        PENDING,
        /** Running (the device exists). */
        RUNNING
    }

    /**
     * The state of a service and the binary it points to.
     *
     * @param service the service name
     * @param state its state
     * @param binaryPath the driver file the service loads (null if not installed or unknown)
     */
    record Status(String service, State state, String binaryPath) {
    }

    /**
     * Installs and starts the driver as a demand-start kernel service, then marks it for
     * deletion so it unloads once its last handle closes (docs/spec/device-abi.md §1.1, with our names).
     * Succeeds if the service already runs.
     *
     * @param driverFile the driver binary to register if the service does not exist yet
     */
    void install(java.nio.file.Path driverFile);

    /** Stops the driver service and deletes it. Succeeds if it is not installed. */
    void uninstall();

    /** {@return the service's state} */
    Status status();
}
